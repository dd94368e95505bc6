"""Poster, thumbnail sprite sheet and WebVTT thumbnail track for one source.

* Poster: one JPEG frame about 10% in (or the cover art / a waveform card for audio), at
  the size of the plan's poster, turned and with square pixels like the renditions.
* Sprite: one ffmpeg run with ``fps=1/interval, scale, setsar, tile`` writes every
  thumbnail into ``sprite.jpg``; ``sprite.vtt`` maps each interval of the timeline to its
  tile with ``sprite.jpg#xywh=x,y,w,h`` cues that cover the whole duration.
  Long sources are read keyframes-only (``-skip_frame nokey``), which is many times
  cheaper and close enough for a scrubbing preview.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.utils.translation import gettext_lazy as _

from media_pipeline.ladder import LadderPlan, PosterPlan, SpritePlan
from media_pipeline.probe import INPUT_OPTIONS, MediaError, MediaInfo

POSTER_NAME = "poster.jpg"
SPRITE_NAME = "sprite.jpg"
VTT_NAME = "sprite.vtt"
JPEG_QUALITY = 3  # mjpeg -q:v, 2 (best) .. 31
CARD_COLOUR = "0x1f3a5f"
WAVE_COLOUR = "0xf2f2f2"
KEYFRAMES_ONLY_AFTER = 120.0  # seconds
ARTWORK_TIMEOUT = 600

ARTWORK_FAILED = _("We could not make a preview picture for this recording.")


class ArtworkError(MediaError):
    """ffmpeg could not write the poster or the sprite; ``detail`` has stderr's tail."""


@dataclass(frozen=True)
class ArtworkResult:
    poster: Path
    sprite: Path | None
    vtt: Path | None


def make_artwork(
    source_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    timeout: float = ARTWORK_TIMEOUT,
) -> ArtworkResult:
    """Poster, and for video the sprite sheet and its WebVTT track, into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    poster = make_poster(source_path, out_dir / POSTER_NAME, plan, info, timeout=timeout)
    if plan.sprite is None or not info.has_video:
        return ArtworkResult(poster=poster, sprite=None, vtt=None)
    sprite, vtt = make_sprite(source_path, out_dir, plan, info, timeout=timeout)
    return ArtworkResult(poster=poster, sprite=sprite, vtt=vtt)


# --------------------------------------------------------------------------- poster


def make_poster(
    source_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    timeout: float = ARTWORK_TIMEOUT,
) -> Path:
    out_path = Path(out_path)
    poster = plan.poster or PosterPlan(kind="waveform", at_seconds=0.0, width=640, height=360)
    if poster.kind == "frame" and info.has_video:
        # Seek before the input (fast); if the index is broken and nothing comes out,
        # take the very first frame instead.
        for at in (poster.at_seconds, 0.0):
            _run(build_poster_command(source_path, out_path, plan, info, at=at), timeout)
            if _written(out_path):
                return out_path
        raise ArtworkError(ARTWORK_FAILED, detail="no frame decoded for the poster")
    if poster.kind == "cover" and info.cover_art_index is not None:
        try:
            _run(build_cover_command(source_path, out_path, poster, info), timeout)
            if _written(out_path):
                return out_path
        except ArtworkError:
            pass  # a broken embedded picture must not sink the recording
    if info.has_audio:
        try:
            _run(build_waveform_command(source_path, out_path, poster, info), timeout)
            if _written(out_path):
                return out_path
        except ArtworkError:
            pass
    _run(build_card_command(out_path, poster), timeout)
    if not _written(out_path):
        raise ArtworkError(ARTWORK_FAILED, detail="could not write a colour card")
    return out_path


def build_poster_command(
    source_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    at: float | None = None,
) -> list[str]:
    poster = plan.poster
    if poster is None:
        raise ValueError("the plan has no poster")
    start = poster.at_seconds if at is None else at
    stream = ffmpeg.input(str(source_path), ss=f"{start:.3f}", **INPUT_OPTIONS)[
        str(info.video_index or 0)
    ]
    if plan.deinterlace:
        stream = stream.filter("bwdif", mode="send_frame", parity="auto", deint="all")
    stream = (
        stream.filter("scale", poster.width, poster.height)
        .filter("setsar", "1")
        .filter("format", "yuvj420p")
    )
    return _jpeg_output(stream, out_path, **{"frames:v": 1})


def build_cover_command(
    source_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    poster: PosterPlan,
    info: MediaInfo,
) -> list[str]:
    stream = (
        ffmpeg.input(str(source_path), **INPUT_OPTIONS)[str(info.cover_art_index)]
        .filter(
            "scale",
            poster.width,
            poster.height,
            force_original_aspect_ratio="decrease",
            force_divisible_by=2,
        )
        .filter("setsar", "1")
        .filter("format", "yuvj420p")
    )
    return _jpeg_output(stream, out_path, **{"frames:v": 1})


def build_waveform_command(
    source_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    poster: PosterPlan,
    info: MediaInfo,
) -> list[str]:
    size = f"{poster.width}x{poster.height}"
    wave = (
        ffmpeg.input(str(source_path), **INPUT_OPTIONS)[str(info.audio_index or 0)]
        .filter("aformat", channel_layouts="mono")
        .filter("showwavespic", s=size, colors=WAVE_COLOUR)
    )
    card = ffmpeg.input(f"color=c={CARD_COLOUR}:s={size}:d=1", f="lavfi")
    stream = ffmpeg.overlay(card, wave, shortest=1).filter("format", "yuvj420p")
    return _jpeg_output(stream, out_path, **{"frames:v": 1})


def build_card_command(out_path: str | os.PathLike[str], poster: PosterPlan) -> list[str]:
    size = f"{poster.width}x{poster.height}"
    stream = ffmpeg.input(f"color=c={CARD_COLOUR}:s={size}:d=1", f="lavfi").filter(
        "format", "yuvj420p"
    )
    return _jpeg_output(stream, out_path, **{"frames:v": 1})


# --------------------------------------------------------------------------- sprite


def make_sprite(
    source_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    keyframes_only: bool | None = None,
    timeout: float = ARTWORK_TIMEOUT,
) -> tuple[Path, Path]:
    """Write ``sprite.jpg`` and ``sprite.vtt`` into ``out_dir``; return their paths."""
    if plan.sprite is None:
        raise ValueError("the plan has no sprite (audio only)")
    out_dir = Path(out_dir)
    sprite_path = out_dir / SPRITE_NAME
    if keyframes_only is None:
        keyframes_only = info.duration > KEYFRAMES_ONLY_AFTER
    command = build_sprite_command(
        source_path, sprite_path, plan, info, keyframes_only=keyframes_only
    )
    stderr = _run(command, timeout)
    if not _written(sprite_path):
        raise ArtworkError(ARTWORK_FAILED, detail="ffmpeg wrote no sprite sheet")
    made = count_showinfo_frames(stderr)
    vtt_path = out_dir / VTT_NAME
    vtt_path.write_text(
        sprite_vtt(plan.sprite, info.duration, count=made or None, sprite_url=SPRITE_NAME),
        encoding="utf-8",
    )
    return sprite_path, vtt_path


def build_sprite_command(
    source_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    keyframes_only: bool = False,
) -> list[str]:
    sprite = plan.sprite
    if sprite is None:
        raise ValueError("the plan has no sprite (audio only)")
    input_args: dict[str, str] = dict(INPUT_OPTIONS)
    if keyframes_only:
        input_args["skip_frame"] = "nokey"
    stream = ffmpeg.input(str(source_path), **input_args)[str(info.video_index or 0)]
    if plan.deinterlace:
        stream = stream.filter("bwdif", mode="send_frame", parity="auto", deint="all")
    stream = (
        stream.filter("fps", fps=f"1/{sprite.interval:g}", eof_action="pass")
        # showinfo logs one line per thumbnail: the track is written from that count.
        .filter("showinfo")
        .filter("scale", sprite.tile_width, sprite.tile_height)
        .filter("setsar", "1")
        .filter("tile", f"{sprite.columns}x{sprite.rows}")
        .filter("format", "yuvj420p")
    )
    return _jpeg_output(stream, out_path, loglevel="info", **{"frames:v": 1})


_SHOWINFO_RE = re.compile(r"Parsed_showinfo.*\bn:\s*\d+")


def count_showinfo_frames(stderr: str) -> int:
    return sum(1 for line in stderr.splitlines() if _SHOWINFO_RE.search(line))


def sprite_vtt(
    sprite: SpritePlan,
    duration: float,
    *,
    count: int | None = None,
    sprite_url: str = SPRITE_NAME,
) -> str:
    """WebVTT cues, one per tile, from 0 to ``duration`` without gaps.

    ``count`` is how many thumbnails ffmpeg actually made (default: the planned count); it
    is capped by the tiles the sheet holds, and the last cue always runs to the end.
    """
    capacity = sprite.columns * sprite.rows
    count = min(count or sprite.count, capacity)
    count = min(count, max(1, math.ceil(duration / sprite.interval - 1e-9)))
    lines = ["WEBVTT", ""]
    for index in range(count):
        start = index * sprite.interval
        end = duration if index == count - 1 else min(duration, start + sprite.interval)
        x = (index % sprite.columns) * sprite.tile_width
        y = (index // sprite.columns) * sprite.tile_height
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{sprite_url}#xywh={x},{y},{sprite.tile_width},{sprite.tile_height}",
            "",
        ]
    return "\n".join(lines)


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


# --------------------------------------------------------------------------- running


def _jpeg_output(
    stream, out_path: str | os.PathLike[str], *, loglevel: str = "error", **kwargs: object
) -> list[str]:
    node = ffmpeg.output(
        stream, str(out_path), **{"q:v": JPEG_QUALITY, "f": "image2", "update": 1, **kwargs}
    )
    return (
        node.global_args("-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel)
        .overwrite_output()
        .compile()
    )


def _run(command: list[str], timeout: float) -> str:
    """Run ffmpeg; return its stderr, or raise :class:`ArtworkError` with the tail."""
    try:
        done = subprocess.run(  # noqa: S603 - argument list built by ffmpeg-python
            command, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ArtworkError(ARTWORK_FAILED, detail=f"timed out after {timeout} s") from exc
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise ArtworkError(ARTWORK_FAILED, detail="\n".join(stderr.strip().splitlines()[-30:]))
    return stderr


def _written(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0
