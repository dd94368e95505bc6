"""Encode a planned ladder to HLS (fMP4 segments) with one ffmpeg process.

The source is decoded once; the picture is deinterlaced once, then ``split`` into one
branch per rung (fps, scale, square pixels, 8-bit 4:2:0), each encoded with libx264 at a
fixed GOP of ``segment_seconds x fps`` with scene-cut keyframes off and keyframes forced on
segment boundaries, so every rung's segments start on the same instant. Audio is encoded
once as its own rendition that every video rung references (``-var_stream_map`` with an
audio group). ffmpeg writes the variant playlists and ``master.m3u8``; afterwards
:func:`finalize_master_playlist` checks and completes the master (CODECS, RESOLUTION,
measured BANDWIDTH) and drops the audio-only variant ffmpeg lists next to the video ones.

Everything is built with ffmpeg-python and run as an argument list (no shell). A failing
ffmpeg raises :class:`TranscodeError` with the last lines of its stderr.
"""

from __future__ import annotations

import collections
import math
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.utils.translation import gettext_lazy as _

from media_pipeline.ladder import LadderPlan, Rung
from media_pipeline.probe import INPUT_OPTIONS, MediaError, MediaInfo

DEFAULT_PRESET = "veryfast"
MASTER_NAME = "master.m3u8"
VARIANT_PLAYLIST = "index.m3u8"
STDERR_TAIL_LINES = 30
AUDIO_GROUP = "audio"

TRANSCODE_FAILED = _("The video could not be converted for playback.")
TRANSCODE_TIMED_OUT = _("Converting the video took too long and was stopped.")


class TranscodeError(MediaError):
    """ffmpeg failed, timed out or wrote an incomplete set; ``detail`` has stderr's tail."""

    def __init__(
        self,
        message: object = TRANSCODE_FAILED,
        *,
        detail: str = "",
        returncode: int | None = None,
        command: list[str] | None = None,
    ) -> None:
        super().__init__(message, detail=detail)
        self.returncode = returncode
        self.command = command or []

    @property
    def stderr_tail(self) -> str:
        return self.detail


@dataclass(frozen=True)
class TranscodeResult:
    master_path: Path
    files: list[Path]  # every file written, absolute, sorted
    command: list[str]
    seconds: float


ProgressCallback = Callable[[float], None]


# --------------------------------------------------------------------------- commands


def _input(source_path: str | os.PathLike[str]) -> ffmpeg.nodes.FilterableStream:
    # genpts: old AVI/RM/FLV files often lack presentation timestamps on some frames.
    return ffmpeg.input(str(source_path), fflags="+genpts", **INPUT_OPTIONS)


def _video_source(inp, info: MediaInfo, plan: LadderPlan):
    stream = inp[str(info.video_index or 0)]
    if plan.deinterlace:
        # send_frame keeps the frame rate (25i -> 25p); deint=all because field_order flags
        # are missing or wrong in many old captures.
        stream = stream.filter("bwdif", mode="send_frame", parity="auto", deint="all")
    return stream


def _rung_branch(stream, rung: Rung):
    if rung.change_fps:
        stream = stream.filter("fps", fps=_rate(rung.fps))
    return (
        stream.filter("scale", rung.width, rung.height)
        .filter("setsar", "1")
        .filter("format", "yuv420p")
    )


def _audio_branch(inp, info: MediaInfo, plan: LadderPlan):
    # async fills gaps and trims overlaps against the timestamps, which keeps sound in sync
    # for old RM/ASF files whose audio timestamps jump.
    if plan.audio is None:
        raise ValueError("the plan has no audio rendition")
    return inp[str(info.audio_index or 0)].filter(
        "aresample", plan.audio.sample_rate, **{"async": 1}
    )


def _video_encoder_args(rungs: list[Rung], plan: LadderPlan, preset: str) -> dict[str, object]:
    args: dict[str, object] = {}
    if not rungs:
        return args
    args.update(
        {
            "c:v": "libx264",
            "preset": preset,
            "pix_fmt": "yuv420p",
            "sc_threshold": 0,
            "force_key_frames": f"expr:gte(t,n_forced*{plan.segment_seconds})",
        }
    )
    for i, rung in enumerate(rungs):
        args.update(
            {
                f"profile:v:{i}": rung.profile,
                f"b:v:{i}": rung.video_bitrate,
                f"maxrate:v:{i}": rung.maxrate,
                f"bufsize:v:{i}": rung.bufsize,
                f"g:v:{i}": rung.gop,
                f"keyint_min:v:{i}": rung.gop,
            }
        )
    return args


def _audio_encoder_args(plan: LadderPlan) -> dict[str, object]:
    if plan.audio is None:
        return {}
    return {
        "c:a": "aac",
        "b:a": plan.audio.bitrate,
        "ac": plan.audio.channels,
        "ar": plan.audio.sample_rate,
    }


def _hls_args(out_dir: Path, plan: LadderPlan, stream_map: str | None) -> dict[str, object]:
    args: dict[str, object] = {
        "f": "hls",
        "hls_time": plan.segment_seconds,
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments",
        "hls_list_size": 0,
    }
    if stream_map is None:
        args["hls_segment_filename"] = str(out_dir / "seg_%05d.m4s")
    else:
        args["hls_segment_filename"] = str(out_dir / "%v" / "seg_%05d.m4s")
        args["master_pl_name"] = MASTER_NAME
        args["var_stream_map"] = stream_map
    return args


def stream_map(plan: LadderPlan) -> str:
    """``-var_stream_map``: audio first as its own rendition, video rungs referencing it."""
    entries = []
    group = f",agroup:{AUDIO_GROUP}" if plan.audio else ""
    if plan.audio:
        entries.append(f"a:0{group},name:{plan.audio.name}")
    for i, rung in enumerate(plan.rungs):
        entries.append(f"v:{i}{group},name:{rung.name}")
    return " ".join(entries)


def _global_args(node, *, progress: bool):
    args = ["-hide_banner", "-nostdin", "-loglevel", "warning"]
    if progress:
        args += ["-nostats", "-progress", "pipe:1"]
    return node.global_args(*args).overwrite_output()


def build_command(
    source_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    preset: str = DEFAULT_PRESET,
    progress: bool = True,
) -> list[str]:
    """The single ffmpeg command that writes every rendition and ``master.m3u8``."""
    out_dir = Path(out_dir)
    inp = _input(source_path)
    streams = []
    if plan.rungs:
        video = _video_source(inp, info, plan)
        if len(plan.rungs) > 1:
            split = video.filter_multi_output("split", len(plan.rungs))
            branches = [split.stream(i) for i in range(len(plan.rungs))]
        else:
            branches = [video]
        streams += [_rung_branch(b, r) for b, r in zip(branches, plan.rungs, strict=True)]
    if plan.audio:
        streams.append(_audio_branch(inp, info, plan))
    if not streams:
        raise ValueError("the plan has neither video rungs nor audio")

    kwargs = {
        **_video_encoder_args(plan.rungs, plan, preset),
        **_audio_encoder_args(plan),
        "max_muxing_queue_size": 4096,
        **_hls_args(out_dir, plan, stream_map(plan)),
    }
    node = ffmpeg.output(*streams, str(out_dir / "%v" / VARIANT_PLAYLIST), **kwargs)
    return _global_args(node, progress=progress).compile()


def build_per_rung_commands(
    source_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    *,
    preset: str = DEFAULT_PRESET,
) -> list[list[str]]:
    """One ffmpeg run per rung plus one for the audio, each decoding the whole source again
    (how most platforms do it). Only for the benchmark against :func:`build_command`.

    Creates ``out_dir/<rung>/``: without ``-var_stream_map`` ffmpeg does not make it.
    """
    out_dir = Path(out_dir)
    for name in [r.name for r in plan.rungs] + ([plan.audio.name] if plan.audio else []):
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    commands = []
    for rung in plan.rungs:
        inp = _input(source_path)
        branch = _rung_branch(_video_source(inp, info, plan), rung)
        kwargs = {
            **_video_encoder_args([rung], plan, preset),
            **_hls_args(out_dir / rung.name, plan, None),
        }
        node = ffmpeg.output(branch, str(out_dir / rung.name / VARIANT_PLAYLIST), **kwargs)
        commands.append(_global_args(node, progress=False).compile())
    if plan.audio:
        inp = _input(source_path)
        kwargs = {
            **_audio_encoder_args(plan),
            **_hls_args(out_dir / plan.audio.name, plan, None),
        }
        node = ffmpeg.output(
            _audio_branch(inp, info, plan),
            str(out_dir / plan.audio.name / VARIANT_PLAYLIST),
            **kwargs,
        )
        commands.append(_global_args(node, progress=False).compile())
    return commands


def _rate(fps) -> str:
    return f"{fps.numerator}/{fps.denominator}"


# --------------------------------------------------------------------------- running


class ProgressParser:
    """Turns ffmpeg's ``-progress`` key=value lines into percentages.

    ``out_time_us`` is used rather than ``out_time_ms`` (which, despite its name, is also in
    microseconds in ffmpeg 5). Percentages never go backwards and reach 100 only at
    ``progress=end``.
    """

    def __init__(self, duration: float, callback: ProgressCallback | None) -> None:
        self.duration = duration
        self.callback = callback
        self.percent = 0.0

    def feed(self, line: str) -> None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return
        if key == "out_time_us" and self.duration > 0:
            try:
                seconds = int(value) / 1_000_000
            except ValueError:  # "N/A" before the first frame
                return
            self._report(min(99.9, max(0.0, seconds / self.duration * 100)))
        elif key == "progress" and value == "end":
            self._report(100.0)

    def _report(self, percent: float) -> None:
        if percent <= self.percent:
            return
        self.percent = percent
        if self.callback is not None:
            self.callback(round(percent, 1))


def run_ffmpeg(
    command: list[str],
    *,
    duration: float = 0.0,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> None:
    """Run an ffmpeg command; raise :class:`TranscodeError` unless it succeeds.

    stdout carries ``-progress`` lines; stderr is drained by a thread into a bounded buffer
    so a chatty ffmpeg can neither block on a full pipe nor fill memory.
    """
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
    process = subprocess.Popen(  # noqa: S603 - argument list built by ffmpeg-python
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    stdout, stderr = process.stdout, process.stderr
    if stdout is None or stderr is None:  # pragma: no cover - both are pipes above
        raise RuntimeError("ffmpeg pipes were not opened")

    def drain_stderr() -> None:
        for raw in stderr:
            tail.append(raw.decode("utf-8", "replace").rstrip())

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    parser = ProgressParser(duration, on_progress)
    try:
        for raw in stdout:
            parser.feed(raw.decode("ascii", "replace"))
        returncode = process.wait()
    except BaseException:
        # The progress callback raised (e.g. the job was cancelled): stop ffmpeg too.
        process.kill()
        process.wait()
        raise
    finally:
        if timer:
            timer.cancel()
        reader.join(timeout=5)
    if timed_out.is_set():
        raise TranscodeError(
            TRANSCODE_TIMED_OUT,
            detail="\n".join(tail) + f"\nkilled after {timeout} s",
            returncode=returncode,
            command=command,
        )
    if returncode != 0:
        raise TranscodeError(detail="\n".join(tail), returncode=returncode, command=command)


def run_transcode(
    source_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    plan: LadderPlan,
    info: MediaInfo,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
    *,
    preset: str = DEFAULT_PRESET,
) -> TranscodeResult:
    """Encode ``plan`` into ``out_dir`` (created; must be empty) and check the result."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        # Stale segments from an earlier attempt would be published with the new ones.
        raise ValueError(f"output directory is not empty: {out_dir}")
    command = build_command(source_path, out_dir, plan, info, preset=preset)
    started = time.monotonic()
    run_ffmpeg(command, duration=plan.duration, on_progress=on_progress, timeout=timeout)
    seconds = time.monotonic() - started
    master = out_dir / MASTER_NAME
    finalize_master_playlist(master, plan)
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    return TranscodeResult(master_path=master, files=files, command=command, seconds=seconds)


# --------------------------------------------------------------------------- master playlist

_ATTR_RE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_attributes(text: str) -> dict[str, str]:
    """``BANDWIDTH=1,CODECS="a,b"`` -> ``{"BANDWIDTH": "1", "CODECS": '"a,b"'}``."""
    return {m.group(1): m.group(2) for m in _ATTR_RE.finditer(text)}


def format_attributes(attrs: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in attrs.items())


def finalize_master_playlist(master: Path, plan: LadderPlan) -> None:
    """Check every variant ffmpeg wrote and complete ``master.m3u8``.

    * each rendition playlist exists, is complete (ENDLIST) and has segments on disk;
    * every video variant has RESOLUTION and CODECS (taken from the init segment's avcC
      box when ffmpeg left them out) and FRAME-RATE;
    * BANDWIDTH is at least the measured peak segment rate (video plus audio), and
      AVERAGE-BANDWIDTH is the measured average; ffmpeg only states the *target* rate,
      which VBR segments exceed;
    * the audio-only variant is dropped when there is video, so a player never picks a
      black picture; the audio stays as the group's EXT-X-MEDIA rendition.
    """
    if not master.is_file():
        raise TranscodeError(detail=f"ffmpeg wrote no {master.name}")
    base = master.parent
    lines = master.read_text(encoding="utf-8").splitlines()
    rungs = {rung.name: rung for rung in plan.rungs}

    audio_peak = audio_avg = 0
    audio_codec = "mp4a.40.2"
    if plan.audio:
        audio_dir = base / plan.audio.name
        audio_peak, audio_avg = measure_variant(audio_dir / VARIANT_PLAYLIST)

    out: list[str] = []
    seen_variants: set[str] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#EXT-X-STREAM-INF:") and i + 1 < len(lines):
            uri = lines[i + 1].strip()
            name = uri.split("/", 1)[0]
            attrs = parse_attributes(line.split(":", 1)[1])
            i += 2
            if name not in rungs:
                if plan.rungs:
                    continue  # audio-only variant beside video variants
                peak, avg = audio_peak, audio_avg
                codecs = [audio_codec]
            else:
                rung = rungs[name]
                peak, avg = measure_variant(base / uri)
                peak, avg = peak + audio_peak, avg + audio_avg
                codecs = [avc1_codec(base / name) or fallback_avc1(rung)]
                if plan.audio:
                    codecs.append(audio_codec)
                attrs["RESOLUTION"] = f"{rung.width}x{rung.height}"
                attrs["FRAME-RATE"] = f"{float(rung.fps):.3f}"
            declared = int(attrs.get("BANDWIDTH", "0") or 0)
            attrs["BANDWIDTH"] = str(max(declared, peak))
            attrs["AVERAGE-BANDWIDTH"] = str(avg or declared)
            if not attrs.get("CODECS", "").strip('"'):
                attrs["CODECS"] = '"' + ",".join(codecs) + '"'
            attrs = _ordered(attrs)
            out += [f"#EXT-X-STREAM-INF:{format_attributes(attrs)}", uri]
            seen_variants.add(name)
            continue
        if line.startswith("#EXT-X-MEDIA:") and plan.audio:
            attrs = parse_attributes(line.split(":", 1)[1])
            if attrs.get("TYPE") == "AUDIO":
                # DEFAULT=YES without AUTOSELECT=YES is a validator warning; CHANNELS lets
                # a player choose without fetching the rendition first.
                attrs.setdefault("AUTOSELECT", "YES")
                attrs.setdefault("CHANNELS", f'"{plan.audio.channels}"')
                line = f"#EXT-X-MEDIA:{format_attributes(attrs)}"
        if line.strip():
            out.append(line)
        i += 1

    missing = set(rungs) - seen_variants
    if missing:
        raise TranscodeError(detail=f"master playlist lacks variants: {sorted(missing)}")
    if not seen_variants:
        raise TranscodeError(detail="master playlist lists no variant")
    master.write_text("\n".join(out) + "\n", encoding="utf-8")


def _ordered(attrs: dict[str, str]) -> dict[str, str]:
    order = ["BANDWIDTH", "AVERAGE-BANDWIDTH", "RESOLUTION", "FRAME-RATE", "CODECS", "AUDIO"]
    return {k: attrs[k] for k in order if k in attrs} | {
        k: v for k, v in attrs.items() if k not in order
    }


def measure_variant(playlist: Path) -> tuple[int, int]:
    """(peak, average) bits per second of a VOD media playlist's segments on disk."""
    if not playlist.is_file():
        raise TranscodeError(detail=f"missing rendition playlist {playlist.parent.name}")
    text = playlist.read_text(encoding="utf-8")
    if "#EXT-X-ENDLIST" not in text:
        raise TranscodeError(detail=f"rendition {playlist.parent.name} is incomplete")
    peak = 0.0
    total_bits = total_seconds = 0.0
    duration = None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segment = playlist.parent / line.strip()
            if not segment.is_file():
                raise TranscodeError(detail=f"missing segment {segment.name}")
            bits = segment.stat().st_size * 8
            total_bits += bits
            total_seconds += duration
            # A final sliver of a segment would claim an absurd peak; rate it over 1 s.
            peak = max(peak, bits / max(duration, 1.0))
            duration = None
    if total_seconds == 0:
        raise TranscodeError(detail=f"rendition {playlist.parent.name} has no segments")
    return math.ceil(peak), math.ceil(total_bits / total_seconds)


def avc1_codec(variant_dir: Path) -> str | None:
    """``avc1.PPCCLL`` from the avcC box of the rendition's fMP4 init segment."""
    for init in sorted(variant_dir.glob("init*.mp4")):
        data = init.read_bytes()
        at = data.find(b"avcC")
        if at >= 0 and len(data) >= at + 8:
            profile, compat, level = data[at + 5], data[at + 6], data[at + 7]
            return f"avc1.{profile:02x}{compat:02x}{level:02x}"
    return None


_PROFILE_IDC = {"baseline": 0x42, "main": 0x4D, "high": 0x64}


def fallback_avc1(rung: Rung) -> str:
    """A conservative codec string from the plan when no init segment can be read."""
    level = 40 if rung.short_side >= 1080 else 31 if rung.short_side >= 720 else 30
    return f"avc1.{_PROFILE_IDC.get(rung.profile, 0x64):02x}00{level:02x}"
