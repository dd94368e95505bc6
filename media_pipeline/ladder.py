"""Plan the renditions of one source: which sizes, frame rates and bit rates to encode.

Pure functions over :class:`~media_pipeline.probe.MediaInfo`; nothing here runs ffmpeg, so
every rule is unit-tested with made-up sources.

Rules:

* Rungs are named by the picture's *short* side (1080/720/480/360/240), so a portrait phone
  video gets a 1080x1920 "1080p" rung instead of a 608x1080 sliver. Only rungs at or below
  the source are made; a source smaller than 240 gets one rung at its own size.
* Sizes keep the display aspect ratio (SAR and rotation applied), both sides even; every
  rung is encoded with square pixels (SAR 1:1). ffmpeg turns rotated input itself
  (autorotate), so the planned size is the size after turning.
* Bit rate: ``bits_per_pixel x width x height x fps``, capped per rung and never above 1.5x
  the source's video bit rate when that is known.
* Frame rate at most 60, and at most 30 below 720p; a rate is halved (50 -> 25) rather than
  resampled to 30 when that stays close to the cap, because dropping every other frame
  does not judder.
* Keyframes every ``segment_seconds`` in every rung so segments line up across rungs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from media_pipeline.probe import MediaInfo

DEFAULT_HEIGHTS: tuple[int, ...] = (1080, 720, 480, 360, 240)
# Ceiling on the average video bit rate of each rung, bits per second.
RUNG_CAPS: dict[int, int] = {
    1080: 5_000_000,
    720: 2_800_000,
    480: 1_400_000,
    360: 800_000,
    240: 400_000,
}
BITS_PER_PIXEL = 0.1
SOURCE_BITRATE_FACTOR = 1.5
MIN_VIDEO_BITRATE = 48_000
MAXRATE_FACTOR = 1.5
BUFSIZE_FACTOR = 2.0
MAX_FPS = Fraction(60)
MAX_FPS_BELOW_720 = Fraction(30)
DEFAULT_FPS = Fraction(25)
SEGMENT_SECONDS = 4

AUDIO_BITRATE = 128_000
AUDIO_CHANNELS = 2

# Common rates a variable-rate source is snapped to when it is within 2% of one.
STANDARD_RATES = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)

POSTER_MAX_SHORT_SIDE = 720
AUDIO_POSTER_SIZE = (640, 360)
SPRITE_TILE_WIDTH = 160
SPRITE_COLUMNS = 10
SPRITE_INTERVAL = 10.0
SPRITE_MAX_TILES = 300


@dataclass(frozen=True)
class Rung:
    """One video rendition."""

    name: str
    width: int
    height: int
    fps: Fraction
    video_bitrate: int
    maxrate: int
    bufsize: int
    gop: int
    profile: str = "high"
    # The fps filter runs when the rate is capped or the source rate varies; a fixed rate
    # is what makes "a keyframe every gop frames" mean "every segment_seconds".
    change_fps: bool = False

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


@dataclass(frozen=True)
class AudioRendition:
    """The one audio rendition, shared by every video rung."""

    name: str = "audio"
    codec: str = "aac"
    bitrate: int = AUDIO_BITRATE
    channels: int = AUDIO_CHANNELS
    sample_rate: int = 48_000


@dataclass(frozen=True)
class PosterPlan:
    """``kind`` is ``frame`` (a still from the video), ``cover`` (the audio file's cover
    art) or ``waveform`` (generated from the sound)."""

    kind: str
    at_seconds: float
    width: int
    height: int


@dataclass(frozen=True)
class SpritePlan:
    """Thumbnails every ``interval`` seconds tiled ``columns`` wide into one image."""

    interval: float
    tile_width: int
    tile_height: int
    columns: int
    count: int

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.count / self.columns))


@dataclass(frozen=True)
class LadderPlan:
    rungs: list[Rung]
    audio: AudioRendition | None
    deinterlace: bool
    rotation: int  # the source's rotation; ffmpeg applies it (autorotate) before scaling
    display_width: int
    display_height: int
    duration: float
    segment_seconds: int = SEGMENT_SECONDS
    poster: PosterPlan | None = None
    sprite: SpritePlan | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def audio_only(self) -> bool:
        return not self.rungs

    @property
    def gop_frames(self) -> int | None:
        """Keyframe interval of the top rung (each rung has its own ``gop``)."""
        return self.rungs[0].gop if self.rungs else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for storing on the job record."""

        def convert(value: Any) -> Any:
            if isinstance(value, Fraction):
                return f"{value.numerator}/{value.denominator}"
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            if isinstance(value, list):
                return [convert(v) for v in value]
            return value

        return convert(asdict(self))


def plan_ladder(
    info: MediaInfo,
    *,
    heights: tuple[int, ...] = DEFAULT_HEIGHTS,
    max_height: int | None = None,
    segment_seconds: int = SEGMENT_SECONDS,
    bits_per_pixel: float = BITS_PER_PIXEL,
    sprite_interval: float = SPRITE_INTERVAL,
) -> LadderPlan:
    """The renditions, poster and sprite for ``info``.

    ``max_height`` caps the top rung (a short-side limit), e.g. for a cheaper tier or tests.
    """
    if not info.has_video and not info.has_audio:
        raise ValueError("a source with neither video nor audio cannot be planned")
    audio = plan_audio(info) if info.has_audio else None

    if not info.has_video:
        kind = "cover" if info.has_cover_art else "waveform"
        width, height = AUDIO_POSTER_SIZE
        return LadderPlan(
            rungs=[],
            audio=audio,
            deinterlace=False,
            rotation=0,
            display_width=0,
            display_height=0,
            duration=info.duration,
            segment_seconds=segment_seconds,
            poster=PosterPlan(kind=kind, at_seconds=0.0, width=width, height=height),
            sprite=None,
            notes=["audio only: no video rungs"],
        )

    rungs = plan_rungs(
        info,
        heights=heights,
        max_height=max_height,
        segment_seconds=segment_seconds,
        bits_per_pixel=bits_per_pixel,
    )
    notes = []
    if info.rotation:
        notes.append(f"rotated {info.rotation} degrees: rungs planned after turning")
    if info.sample_aspect_ratio != 1:
        notes.append(f"non-square pixels (SAR {info.sample_aspect_ratio}): output SAR 1:1")
    if not info.has_audio:
        notes.append("no audio: video rungs only")
    return LadderPlan(
        rungs=rungs,
        audio=audio,
        deinterlace=info.interlaced,
        rotation=info.rotation,
        display_width=info.display_width,
        display_height=info.display_height,
        duration=info.duration,
        segment_seconds=segment_seconds,
        poster=_poster_plan(info, rungs),
        sprite=plan_sprite(info, interval=sprite_interval),
        notes=notes,
    )


def plan_rungs(
    info: MediaInfo,
    *,
    heights: tuple[int, ...] = DEFAULT_HEIGHTS,
    max_height: int | None = None,
    segment_seconds: int = SEGMENT_SECONDS,
    bits_per_pixel: float = BITS_PER_PIXEL,
) -> list[Rung]:
    """Video rungs, largest first; always at least one."""
    dar = info.display_aspect_ratio
    portrait = dar < 1
    source_short = min(info.display_width, info.display_height)
    limit = source_short if max_height is None else min(source_short, max_height)

    targets = sorted((h for h in heights if h <= limit), reverse=True)
    if not targets:
        # Smaller than the smallest rung (176x144 phone video): keep its own size.
        targets = [max(2, limit - limit % 2)]

    source_fps = _source_fps(info)
    source_bitrate = info.estimated_video_bitrate
    rungs: list[Rung] = []
    seen: set[tuple[int, int]] = set()
    for short in targets:
        long = even(short * (1 / dar if portrait else dar))
        width, height = (short, long) if portrait else (long, short)
        if (width, height) in seen:
            continue
        seen.add((width, height))
        fps = cap_frame_rate(source_fps, MAX_FPS if short >= 720 else MAX_FPS_BELOW_720)
        bitrate = video_bitrate(
            width, height, fps, short, source_bitrate, bits_per_pixel=bits_per_pixel
        )
        rungs.append(
            Rung(
                name=f"{short}p",
                width=width,
                height=height,
                fps=fps,
                video_bitrate=bitrate,
                maxrate=int(bitrate * MAXRATE_FACTOR),
                bufsize=int(bitrate * BUFSIZE_FACTOR),
                gop=gop_frames(fps, segment_seconds),
                profile="high" if short >= 480 else "main",
                change_fps=fps != source_fps or info.variable_frame_rate,
            )
        )
    return rungs


def even(value: float | Fraction) -> int:
    """Nearest even integer, at least 2 (x264 and 4:2:0 chroma need even sides)."""
    return max(2, 2 * round(value / 2))


def cap_frame_rate(source: Fraction, cap: Fraction) -> Fraction:
    """``source`` if within ``cap``; else an integer fraction of it when that stays within
    75% of the cap (50 -> 25, 59.94 -> 29.97, 120 -> 60), else the cap itself."""
    if source <= cap:
        return source
    divisor = math.ceil(source / cap)
    divided = source / divisor
    if divided >= cap * Fraction(3, 4):
        return divided
    return cap


def gop_frames(fps: Fraction, segment_seconds: int) -> int:
    return max(1, round(fps * segment_seconds))


def video_bitrate(
    width: int,
    height: int,
    fps: Fraction,
    short_side: int,
    source_bitrate: int | None,
    *,
    bits_per_pixel: float = BITS_PER_PIXEL,
) -> int:
    """Target average bit rate: bits per pixel, the rung's cap and 1.5x the source."""
    rate = bits_per_pixel * width * height * float(fps)
    rate = min(rate, rung_cap(short_side))
    if source_bitrate:
        rate = min(rate, source_bitrate * SOURCE_BITRATE_FACTOR)
    return int(max(MIN_VIDEO_BITRATE, rate))


def rung_cap(short_side: int) -> int:
    """The cap of the smallest standard rung at least as large (240's cap below 240)."""
    for height in sorted(RUNG_CAPS):
        if short_side <= height:
            return RUNG_CAPS[height]
    return RUNG_CAPS[max(RUNG_CAPS)]


def plan_audio(info: MediaInfo) -> AudioRendition:
    # 44.1 kHz family sources (CD rips, most MP3 lectures) stay at 44.1; the rest go to 48.
    rate = 44_100 if info.audio_sample_rate and 44_100 % info.audio_sample_rate == 0 else 48_000
    return AudioRendition(sample_rate=rate)


def plan_sprite(
    info: MediaInfo,
    *,
    interval: float = SPRITE_INTERVAL,
    tile_width: int = SPRITE_TILE_WIDTH,
    columns: int = SPRITE_COLUMNS,
    max_tiles: int = SPRITE_MAX_TILES,
) -> SpritePlan | None:
    if not info.has_video:
        return None
    # Long lectures get a wider interval so one sheet stays a reasonable size.
    interval = round(max(interval, info.duration / max_tiles), 3)
    # Never longer than the clip, or a 2-second clip would get no thumbnail at all.
    interval = min(interval, info.duration)
    # One thumbnail per started interval (the fps filter's count with eof_action=pass);
    # the track is written from the count ffmpeg reports, so a rounding difference only
    # leaves a blank tile or stretches the last cue.
    count = max(1, math.ceil(info.duration / interval - 0.1))
    tile_height = even(tile_width / info.display_aspect_ratio)
    return SpritePlan(
        interval=interval,
        tile_width=tile_width,
        tile_height=tile_height,
        columns=min(columns, count),
        count=count,
    )


def _poster_plan(info: MediaInfo, rungs: list[Rung]) -> PosterPlan:
    size = next((r for r in rungs if r.short_side <= POSTER_MAX_SHORT_SIDE), rungs[-1])
    # About 10% in (past titles and black leader), at least 1 s, within short clips.
    at = info.duration * 0.1 if info.duration >= 10 else min(1.0, info.duration / 2)
    return PosterPlan(kind="frame", at_seconds=round(at, 3), width=size.width, height=size.height)


def _source_fps(info: MediaInfo) -> Fraction:
    fps = info.frame_rate or info.r_frame_rate or DEFAULT_FPS
    if info.variable_frame_rate:
        # A phone or screen recorder runs at a nominal rate (r_frame_rate) and drops
        # frames when it must; encode at the nominal rate so motion stays smooth (the gaps
        # become repeated frames, which cost almost nothing). ASF/FLV state their 1 kHz
        # time base there instead, so above 120 the average is the better guess.
        if info.r_frame_rate and info.r_frame_rate <= 120:
            fps = info.r_frame_rate
        # A phone's 29.87 is really 30000/1001 with dropped frames.
        nearest = min(STANDARD_RATES, key=lambda rate: abs(fps - rate))
        if abs(fps - nearest) / nearest <= Fraction(2, 100):
            return nearest
    return fps
