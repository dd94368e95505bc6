"""Probe an uploaded file with ffprobe (through ffmpeg-python) before anything else runs.

``probe(path)`` either returns a :class:`MediaInfo` describing the one video stream and the
one audio stream the pipeline will use, or raises :class:`NotMediaError` whose message can
be shown to the teacher who uploaded the file as it is. The technical reason (ffprobe's
stderr) travels in ``detail`` for the logs, never for the page.

Probing is cheap on purpose: one ffprobe for the container and streams, one ffprobe that
decodes the first two seconds (a file whose header parses but whose data does not decode is
rejected here, not an hour later by the transcoder), and for MPEG-2 whose field order the
header does not state, an ``idet`` pass over 120 frames.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg
from django.utils.translation import gettext_lazy as _

# Same input options for ffprobe and for the transcoder, so both see the same streams
# (DVD rips and old camcorder files often start their audio late in the file). Only the
# local file may be opened: an uploaded playlist must not make ffmpeg fetch URLs.
INPUT_OPTIONS: dict[str, str] = {
    "probesize": "50M",
    "analyzeduration": "20M",
    "protocol_whitelist": "file",
}

# Demuxers that read *other* files or devices named inside the upload (an .m3u8 renamed
# .mp4 would make ffmpeg read any local file into the published video), or that turn
# plain text into pictures. Whatever their extension, they are not recordings.
REFUSED_FORMATS = frozenset(
    {"hls", "applehttp", "concat", "ffconcat", "dash", "image2", "lavfi", "tee", "sdp"}
    | {"rtsp", "rtp", "data", "tty", "ffmetadata", "mpl2", "subviewer", "srt", "webvtt"}
)

# A still picture stream inside an audio file (ID3 APIC, MP4 covr) is cover art, not video.
IMAGE_CODECS = frozenset({"mjpeg", "png", "bmp", "gif", "webp", "tiff"})

# Seconds decoded by the "does the data decode at all" check.
DECODE_CHECK_SECONDS = 2
IDET_FRAMES = 120
# Display aspect ratios outside this range come from damaged headers, not from lessons.
MIN_ASPECT, MAX_ASPECT = Fraction(1, 5), Fraction(5)
SUBPROCESS_TIMEOUT = 120


class MediaError(Exception):
    """Base class for everything the media pipeline refuses or fails to do.

    ``message`` is plain language for the uploader (a lazy translation is fine);
    ``detail`` is the technical reason for logs and the job record.
    """

    def __init__(self, message: Any, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return str(self.message)


class NotMediaError(MediaError):
    """The file is not a video or audio recording the pipeline can read."""


NOT_MEDIA = _("This file is not a video or audio file we can read.")
EMPTY_FILE = _("This file is empty. Please upload the recording again.")
PICTURE_FILE = _("This file is a picture, not a video. Please upload it as a picture instead.")
NO_STREAMS = _("This file contains no sound or pictures we can play.")
DAMAGED_FILE = _(
    "This file looks damaged: its beginning cannot be played. "
    "Please export or copy the recording again and upload the new file."
)
NO_DURATION = _("We could not tell how long this recording is; the file may be damaged.")
UNKNOWN_CODEC = _("This recording uses a video or audio format we cannot decode.")


@dataclass(frozen=True)
class MediaInfo:
    """What the pipeline needs to know about a source file.

    ``width``/``height`` are the picture as stored. ``rotation`` is the display-matrix
    rotation as ffprobe reports it (degrees counter-clockwise, normalised to 0/90/180/270).
    ``display_width``/``display_height`` are what a viewer sees: SAR applied to the width,
    then swapped when the picture is turned by 90 or 270 degrees.
    """

    duration: float
    format_name: str
    size_bytes: int
    bit_rate: int | None

    has_video: bool
    has_audio: bool
    has_cover_art: bool = False

    video_index: int | None = None
    video_codec: str | None = None
    width: int = 0
    height: int = 0
    rotation: int = 0
    sample_aspect_ratio: Fraction = Fraction(1)
    display_width: int = 0
    display_height: int = 0
    frame_rate: Fraction | None = None  # avg_frame_rate
    r_frame_rate: Fraction | None = None
    variable_frame_rate: bool = False
    field_order: str | None = None
    interlaced: bool = False
    pix_fmt: str | None = None
    bit_depth: int = 8
    video_bitrate: int | None = None

    audio_index: int | None = None
    audio_codec: str | None = None
    audio_channels: int = 0
    audio_sample_rate: int = 0
    audio_bitrate: int | None = None

    cover_art_index: int | None = None

    @property
    def display_aspect_ratio(self) -> Fraction:
        """Width over height as displayed (after SAR and rotation)."""
        if not self.width or not self.height:
            return Fraction(16, 9)
        dar = Fraction(self.width) * self.sample_aspect_ratio / self.height
        return 1 / dar if self.rotation in (90, 270) else dar

    @property
    def estimated_video_bitrate(self) -> int | None:
        """The video stream's bit rate, or the container's minus the audio's when only that
        is known (ASF, Matroska and FLV rarely state a per-stream rate)."""
        if self.video_bitrate:
            return self.video_bitrate
        if self.bit_rate and self.has_video:
            rest = self.bit_rate - (self.audio_bitrate or 0)
            return rest if rest > 0 else None
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for storing on the job record."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Fraction):
                data[key] = f"{value.numerator}/{value.denominator}"
        data["display_aspect_ratio"] = float(self.display_aspect_ratio)
        return data


def probe(path: str | os.PathLike[str], *, check_decode: bool = True) -> MediaInfo:
    """Describe ``path`` or raise :class:`NotMediaError` with a reason for the uploader."""
    path = Path(path).resolve()
    size = path.stat().st_size  # FileNotFoundError is a caller bug, not a bad upload
    if size == 0:
        raise NotMediaError(EMPTY_FILE, detail="empty file")

    try:
        data = ffmpeg.probe(str(path), v="error", **INPUT_OPTIONS)
    except ffmpeg.Error as exc:
        raise NotMediaError(NOT_MEDIA, detail=stderr_tail(exc.stderr)) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NotMediaError(NOT_MEDIA, detail=f"unreadable ffprobe output: {exc}") from exc

    info = parse_probe(data, size_bytes=size)

    if check_decode:
        _check_decodes(path, info)
    if info.has_video and not info.interlaced and _needs_idet(info):
        interlaced = detect_interlacing(path, info.video_index or 0)
        info = replace(info, interlaced=interlaced)
    return info


def parse_probe(data: dict[str, Any], *, size_bytes: int = 0) -> MediaInfo:
    """Build :class:`MediaInfo` from ffprobe's JSON (``-show_format -show_streams``).

    Pure, so the rules are unit-tested without running ffprobe.
    """
    fmt = data.get("format") or {}
    format_name = fmt.get("format_name") or ""
    streams = data.get("streams") or []

    if format_name == "image2" or format_name.endswith("_pipe"):
        raise NotMediaError(PICTURE_FILE, detail=f"image format {format_name}")
    if set(format_name.split(",")) & REFUSED_FORMATS:
        raise NotMediaError(NOT_MEDIA, detail=f"refused container format {format_name}")

    video = cover = audio = None
    for stream in streams:
        kind = stream.get("codec_type")
        if kind == "video":
            if _is_cover_art(stream):
                cover = cover or stream
            elif video is None and _int(stream.get("width")):
                video = stream
        elif kind == "audio" and audio is None and _int(stream.get("channels")):
            audio = stream

    if video is None and audio is None:
        raise NotMediaError(NO_STREAMS, detail=f"no audio or video streams in {format_name}")
    for stream in (video, audio):
        if stream is not None and stream.get("codec_name") in (None, "", "none"):
            raise NotMediaError(UNKNOWN_CODEC, detail=f"undecodable stream {stream}")

    duration = _duration(fmt, [s for s in (video, audio) if s is not None])
    if not duration or duration <= 0:
        raise NotMediaError(NO_DURATION, detail=f"no duration in {format_name}")

    fields: dict[str, Any] = {
        "duration": duration,
        "format_name": format_name,
        "size_bytes": size_bytes or _int(fmt.get("size")) or 0,
        "bit_rate": _int(fmt.get("bit_rate")),
        "has_video": video is not None,
        "has_audio": audio is not None,
        "has_cover_art": cover is not None,
        "cover_art_index": _int(cover.get("index")) if cover else None,
    }
    if video is not None:
        fields.update(_video_fields(video))
        # A damaged header can claim a 2368x240 picture with SAR 1:125; planning a ladder
        # for that would only produce a sliver, so refuse it as damaged here.
        dar = Fraction(fields["display_width"] or 1, fields["display_height"] or 1)
        if not MIN_ASPECT <= dar <= MAX_ASPECT or min(fields["width"], fields["height"]) < 2:
            raise NotMediaError(DAMAGED_FILE, detail=f"implausible picture {video}")
    if audio is not None:
        fields.update(
            audio_index=_int(audio.get("index")),
            audio_codec=audio.get("codec_name"),
            audio_channels=_int(audio.get("channels")) or 0,
            audio_sample_rate=_int(audio.get("sample_rate")) or 0,
            audio_bitrate=_int(audio.get("bit_rate")),
        )
    return MediaInfo(**fields)


def _video_fields(video: dict[str, Any]) -> dict[str, Any]:
    width = _int(video.get("width")) or 0
    height = _int(video.get("height")) or 0
    sar = _fraction(video.get("sample_aspect_ratio"))
    if not sar or sar <= 0:
        sar = Fraction(1)
    rotation = rotation_of(video)
    display_w, display_h = round(width * sar), height
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w

    avg = _sane_rate(_fraction(video.get("avg_frame_rate")))
    real = _sane_rate(_fraction(video.get("r_frame_rate")))
    # r_frame_rate is the lowest rate that represents every timestamp; when it differs from
    # the average the stream is variable (phones, screen recorders, ASF/FLV at 1 kHz bases).
    vfr = bool(avg and real and abs(real - avg) / real > Fraction(5, 1000))
    field_order = video.get("field_order")
    pix_fmt = video.get("pix_fmt")
    return {
        "video_index": _int(video.get("index")),
        "video_codec": video.get("codec_name"),
        "width": width,
        "height": height,
        "rotation": rotation,
        "sample_aspect_ratio": sar,
        "display_width": display_w,
        "display_height": display_h,
        "frame_rate": avg or real,
        "r_frame_rate": real,
        "variable_frame_rate": vfr,
        "field_order": field_order,
        "interlaced": field_order not in (None, "", "progressive", "unknown"),
        "pix_fmt": pix_fmt,
        "bit_depth": _bit_depth(video.get("bits_per_raw_sample"), pix_fmt),
        "video_bitrate": _int(video.get("bit_rate")),
    }


def rotation_of(stream: dict[str, Any]) -> int:
    """Display rotation normalised to 0/90/180/270 (counter-clockwise, as ffprobe prints).

    The display matrix side data is authoritative; the legacy ``rotate`` tag (older
    ffprobe, some MP4 writers) states the clockwise turn, so it is converted.
    """
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            try:
                return _normalise_angle(float(side["rotation"]))
            except (TypeError, ValueError):
                continue
    tag = (stream.get("tags") or {}).get("rotate")
    if tag is not None:
        try:
            return _normalise_angle(-float(tag))
        except ValueError:
            return 0
    return 0


def _normalise_angle(degrees: float) -> int:
    return round(degrees / 90.0) * 90 % 360


def _is_cover_art(stream: dict[str, Any]) -> bool:
    if (stream.get("disposition") or {}).get("attached_pic"):
        return True
    # Some taggers omit the disposition; a single still in an image codec is still art.
    return stream.get("codec_name") in IMAGE_CODECS and str(stream.get("nb_frames")) == "1"


def _duration(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> float | None:
    values = [_float(fmt.get("duration"))] + [_float(s.get("duration")) for s in streams]
    values = [v for v in values if v and v > 0]
    if values:
        return values[0]
    return None


def _bit_depth(bits_per_raw_sample: Any, pix_fmt: str | None) -> int:
    bits = _int(bits_per_raw_sample)
    if bits:
        return bits
    match = re.search(r"p(\d+)(le|be)$", pix_fmt or "")
    return int(match.group(1)) if match else 8


def _sane_rate(rate: Fraction | None) -> Fraction | None:
    # 0/0 means "unknown"; rates above 1000 are time bases (ASF, FLV), not frame rates.
    if rate is None or rate <= 0 or rate > 1000:
        return None
    return rate


def _needs_idet(info: MediaInfo) -> bool:
    return info.video_codec == "mpeg2video" and info.field_order in (None, "", "unknown")


def _check_decodes(path: Path, info: MediaInfo) -> None:
    """Decode the first seconds of the main stream; refuse a file where nothing decodes."""
    index = info.video_index if info.has_video else info.audio_index
    try:
        data = ffmpeg.probe(
            str(path),
            v="error",
            count_frames=None,
            read_intervals=f"%+{DECODE_CHECK_SECONDS}",
            select_streams=str(index),
            **INPUT_OPTIONS,
        )
    except ffmpeg.Error as exc:
        raise NotMediaError(DAMAGED_FILE, detail=stderr_tail(exc.stderr)) from exc
    frames = [_int(s.get("nb_read_frames")) or 0 for s in data.get("streams") or []]
    if not any(frames):
        raise NotMediaError(DAMAGED_FILE, detail=f"no frame decoded from stream {index}")


def detect_interlacing(path: str | os.PathLike[str], stream_index: int) -> bool:
    """Run the ``idet`` filter over the first frames; True when most look interlaced."""
    command = (
        ffmpeg.input(str(path), **INPUT_OPTIONS)[str(stream_index)]
        .filter("idet")
        .output("-", f="null", **{"frames:v": IDET_FRAMES})
        .global_args("-hide_banner", "-nostats", "-loglevel", "info")
        .compile()
    )
    try:
        done = subprocess.run(  # noqa: S603 - argument list built by ffmpeg-python
            command, capture_output=True, timeout=SUBPROCESS_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return parse_idet(done.stderr.decode("utf-8", "replace"))


_IDET_RE = re.compile(
    r"Multi frame detection:\s*TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)"
    r"\s*Undetermined:\s*(\d+)",
    re.I,
)


def parse_idet(stderr: str) -> bool:
    """True when idet's multi-frame counts say interlaced: more interlaced frames than
    progressive ones, and at least a quarter of all frames (still pictures and black
    leader come out "undetermined" and must not decide either way)."""
    # ffmpeg may build the filter graph twice (once before the first frame); the first
    # instance logs zero counts when it is torn down, so the last report is the real one.
    matches = _IDET_RE.findall(stderr)
    if not matches:
        return False
    tff, bff, progressive, undetermined = (int(g) for g in matches[-1])
    total = tff + bff + progressive + undetermined
    return tff + bff > progressive and 4 * (tff + bff) >= total


def stderr_tail(stderr: bytes | str | None, lines: int = 30) -> str:
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return "\n".join(text.strip().splitlines()[-lines:])


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fraction(value: Any) -> Fraction | None:
    if not value or not isinstance(value, str):
        return None
    try:
        num, _sep, den = value.replace(":", "/").partition("/")
        den_value = int(den) if den else 1
        if den_value == 0:
            return None
        return Fraction(int(num), den_value)
    except ValueError:
        return None
