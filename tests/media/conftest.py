"""Tiny real clips for the media tests, generated once per session with ffmpeg's lavfi
sources (testsrc2 picture, sine tone), one per family of files the bureau holds.

Clips are made lazily: a test that asks for ``clips.path("wmv")`` pays only for the clips
it uses, and ladder unit tests pay for none.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]


def _video(size: str, rate: int = 25, seconds: float = 2, source: str = "testsrc2") -> list[str]:
    return ["-f", "lavfi", "-i", f"{source}=s={size}:r={rate}:d={seconds}"]


def _tone(rate: int = 44100, seconds: float = 2) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=f=440:r={rate}:d={seconds}"]


X264 = ["-c:v", "libx264", "-preset", "ultrafast"]


# name -> (file name, ffmpeg arguments after the global options, before the output path).
# Notes on what this ffmpeg 5.1 build can write are in the comments.
RECIPES: dict[str, tuple[str, list[str]]] = {
    "wmv": ("lesson.wmv", [*_video("320x240"), *_tone(), "-c:v", "wmv2", "-c:a", "wmav2"]),
    "flv": ("lesson.flv", [*_video("320x240"), *_tone(), "-c:v", "flv1", "-c:a", "libmp3lame"]),
    # RealMedia: rv20 video; RealAudio 1.0 (ra_144, 8 kHz mono) is the only RealAudio
    # codec ffmpeg can encode, so the audio is that rather than cook/AAC.
    "rm": (
        "lesson.rm",
        [*_video("320x240"), *_tone(8000), "-c:v", "rv20", "-c:a", "real_144", "-ac", "1"],
    ),
    "avi": (
        "lesson.avi",
        [*_video("320x240"), *_tone(), "-c:v", "libxvid", "-vtag", "XVID", "-c:a", "libmp3lame"],
    ),
    # PAL DVD: 50 progressive frames woven into 25 interlaced ones (real combing, so idet
    # sees it too), top field first, 4:3 display from 720x576 (SAR 16:15), MP2 audio.
    "mpeg2_interlaced": (
        "dvd.mpg",
        [
            *_video("720x576", rate=50),
            *_tone(48000),
            "-vf",
            "tinterlace=mode=interleave_top",
            "-c:v",
            "mpeg2video",
            "-b:v",
            "3M",
            "-flags",
            "+ilme+ildct",
            "-top",
            "1",
            "-aspect",
            "4:3",
            "-c:a",
            "mp2",
        ],
    ),
    # Phone 3GP: H.263 QCIF. AMR-NB cannot be encoded here (no libopencore-amrnb in the
    # Debian build), so the audio is 8 kHz mono AAC.
    "3gp": (
        "phone.3gp",
        [
            *_video("176x144", rate=15),
            *_tone(8000),
            "-c:v",
            "h263",
            "-c:a",
            "aac",
            "-ac",
            "1",
            "-b:a",
            "24k",
        ],
    ),
    "mkv": ("lesson.mkv", [*_video("320x180", rate=30), *_tone(48000), *X264, "-c:a", "libopus"]),
    "hevc10": (
        "hevc10.mp4",
        [
            *_video("320x180", rate=30),
            *_tone(),
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-pix_fmt",
            "yuv420p10le",
            "-tag:v",
            "hvc1",
            "-c:a",
            "aac",
        ],
    ),
    "mp3": ("lecture.mp3", [*_tone(44100, 3), "-c:a", "libmp3lame", "-b:a", "64k"]),
    "wma": ("lecture.wma", [*_tone(44100, 2), "-c:a", "wmav2"]),
    "m4a": ("lecture.m4a", [*_tone(48000, 2), "-c:a", "aac", "-b:a", "64k"]),
    "no_audio": ("silent.mp4", [*_video("320x240"), *X264]),
    "one_second": ("short.mp4", [*_video("320x180", seconds=1), *_tone(seconds=1), *X264]),
    "odd_854x480": ("wide.mp4", [*_video("854x480", seconds=1), *_tone(seconds=1), *X264]),
    # Screen recorders write odd sizes in 4:4:4; x264 only allows odd sides outside 4:2:0.
    # (testsrc2 rounds its size to even numbers; testsrc does not.)
    "odd_321x241": (
        "screen.mkv",
        [*_video("321x241", seconds=1, source="testsrc"), *X264, "-pix_fmt", "yuv444p"],
    ),
    # 16:9 PAL DVD: 720x576 stored, SAR 64:45, displayed 1024x576.
    "anamorphic": (
        "anamorphic.mpg",
        [
            *_video("720x576", seconds=1),
            *_tone(48000, 1),
            "-c:v",
            "mpeg2video",
            "-b:v",
            "2M",
            "-aspect",
            "16:9",
            "-c:a",
            "mp2",
        ],
    ),
    # Variable frame rate like a phone's: 7 of every 10 frames kept, timestamps passed
    # through. MP4 (ffprobe's average rate comes from the frame count; Matroska states
    # only a nominal rate, so a VFR .mkv looks constant to ffprobe).
    "vfr": (
        "vfr.mp4",
        [
            *_video("320x180", rate=30),
            *_tone(48000),
            "-vf",
            "select='lt(mod(n,10),7)'",
            "-fps_mode",
            "vfr",
            *X264,
            "-c:a",
            "aac",
        ],
    ),
    # Ten seconds, to see several 4-second segments line up across rungs.
    "ten_seconds": (
        "ten.mp4",
        [*_video("320x180", seconds=10), *_tone(seconds=10), *X264, "-c:a", "aac"],
    ),
}


def _make_rotated(path: Path, work: Path) -> None:
    """A phone held upright: 1920x1080 stored, display matrix turning it to 1080x1920.

    ffmpeg 5.1 has no ``-display_rotation``; the ``rotate`` stream tag is honoured by the
    MOV muxer only when stream-copying, hence two steps.
    """
    plain = work / "rotated-plain.mov"
    _ffmpeg([*_video("1920x1080", rate=30, seconds=1), *_tone(48000, 1), *X264, str(plain)])
    _ffmpeg(["-i", str(plain), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(path)])


def _make_cover_mp3(path: Path, work: Path) -> None:
    cover = work / "cover.jpg"
    _ffmpeg([*_video("300x300", seconds=1), "-frames:v", "1", str(cover)])
    _ffmpeg(
        [
            *_tone(44100, 3),
            "-i",
            str(cover),
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            "-c:v",
            "copy",
            "-id3v2_version",
            "3",
            "-metadata:s:v",
            "comment=Cover (front)",
            str(path),
        ]
    )


SPECIAL: dict[str, tuple[str, Callable[[Path, Path], None]]] = {
    "mov_rotated": ("portrait.mov", _make_rotated),
    "mp3_cover": ("lecture-cover.mp3", _make_cover_mp3),
}

ALL_CLIPS = sorted([*RECIPES, *SPECIAL])


def _ffmpeg(args: list[str]) -> None:
    subprocess.run([*FFMPEG, *args], check=True, capture_output=True, timeout=120)


class Clips:
    """Lazily generated, cached sample files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        with self._lock:
            if name in RECIPES:
                filename, args = RECIPES[name]
                target = self.root / filename
                if not target.exists():
                    _ffmpeg([*args, str(target)])
            else:
                filename, make = SPECIAL[name]
                target = self.root / filename
                if not target.exists():
                    make(target, self.root)
            return target

    # Inputs that are not media at all -------------------------------------------------

    def bad(self, name: str) -> Path:
        target = self.root / f"bad-{name}"
        if target.exists():
            return target
        if name == "empty.mp4":
            target.write_bytes(b"")
        elif name == "text.mp4":
            target.write_text("第三单元 教案\nLesson plan, unit 3.\n" * 40, encoding="utf-8")
        elif name == "random.mp4":
            # Deterministic noise: the same bytes every run.
            block = bytes((i * 7919 + 13) % 251 for i in range(4096))
            target.write_bytes(block * 16)
        elif name == "truncated.mov":
            # MOV writes its index (moov) at the end; cut it off as an interrupted copy does.
            plain = self.root / "for-truncation.mov"
            _ffmpeg(["-i", str(self.path("one_second")), "-c", "copy", str(plain)])
            data = plain.read_bytes()
            target.write_bytes(data[: len(data) // 2])
        elif name == "garbled.mp4":
            # Index at the front (faststart) with its bytes overwritten.
            plain = self.root / "for-garbling.mp4"
            _ffmpeg(
                [
                    "-i",
                    str(self.path("one_second")),
                    "-c",
                    "copy",
                    "-movflags",
                    "+faststart",
                    str(plain),
                ]
            )
            data = bytearray(plain.read_bytes())
            for i in range(40, min(len(data), 4000), 3):
                data[i] = (data[i] * 31 + 17) % 256
            target.write_bytes(bytes(data))
        elif name == "playlist.mp4":
            # An HLS playlist named .mp4 pointing at a local file: must never be followed.
            target.write_text(
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\n"
                f"{self.path('one_second')}\n#EXT-X-ENDLIST\n"
            )
        elif name == "picture.mp4":
            _ffmpeg([*_video("64x64", seconds=1), "-frames:v", "1", "-f", "mjpeg", str(target)])
        else:
            raise KeyError(name)
        return target


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Clips:
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg/ffprobe are not installed")
    return Clips(tmp_path_factory.mktemp("clips"))
