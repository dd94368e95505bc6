"""Synthetic :class:`MediaInfo` for the ladder's unit tests (no ffmpeg involved)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from media_pipeline.probe import MediaInfo


def video_info(
    width: int = 1920,
    height: int = 1080,
    *,
    fps: Fraction | int = 25,
    sar: Fraction | int = 1,
    rotation: int = 0,
    **overrides: Any,
) -> MediaInfo:
    """A video source; display size derived from SAR and rotation like ``parse_probe``."""
    sar = Fraction(sar)
    display_w, display_h = round(width * sar), height
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w
    fields: dict[str, Any] = {
        "duration": 600.0,
        "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "size_bytes": 100_000_000,
        "bit_rate": None,
        "has_video": True,
        "has_audio": True,
        "video_index": 0,
        "video_codec": "h264",
        "width": width,
        "height": height,
        "rotation": rotation,
        "sample_aspect_ratio": sar,
        "display_width": display_w,
        "display_height": display_h,
        "frame_rate": Fraction(fps),
        "r_frame_rate": Fraction(fps),
        "pix_fmt": "yuv420p",
        "audio_index": 1,
        "audio_codec": "aac",
        "audio_channels": 2,
        "audio_sample_rate": 48_000,
        "audio_bitrate": 128_000,
    }
    fields.update(overrides)
    return MediaInfo(**fields)


def audio_info(**overrides: Any) -> MediaInfo:
    fields: dict[str, Any] = {
        "duration": 2400.0,
        "format_name": "mp3",
        "size_bytes": 20_000_000,
        "bit_rate": 64_000,
        "has_video": False,
        "has_audio": True,
        "audio_index": 0,
        "audio_codec": "mp3",
        "audio_channels": 1,
        "audio_sample_rate": 44_100,
        "audio_bitrate": 64_000,
    }
    fields.update(overrides)
    return MediaInfo(**fields)
