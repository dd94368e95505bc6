"""A small HLS client for the tests: reads the published master playlist the way a player
does and decodes every rendition with ffmpeg/ffprobe."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

ATTR_RE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass
class Master:
    variants: list[tuple[dict[str, str], str]] = field(default_factory=list)
    media: list[dict[str, str]] = field(default_factory=list)


def read_master(path: Path) -> Master:
    master = Master()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = dict(ATTR_RE.findall(line.split(":", 1)[1]))
            master.variants.append((attrs, lines[i + 1]))
        elif line.startswith("#EXT-X-MEDIA:"):
            master.media.append(dict(ATTR_RE.findall(line.split(":", 1)[1])))
    return master


def ffprobe_streams(path: Path) -> list[dict]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def decode(path: Path, *maps: str) -> None:
    """Decode every frame; fail on any decoder error."""
    args = ["ffmpeg", "-v", "error", "-nostdin", "-xerror", "-i", str(path)]
    for m in maps or ("0",):
        args += ["-map", m]
    done = subprocess.run([*args, "-f", "null", "-"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]


def durations(playlist: Path) -> list[float]:
    return [
        float(line[8:].split(",")[0])
        for line in playlist.read_text().splitlines()
        if line.startswith("#EXTINF:")
    ]


@dataclass
class Rendition:
    uri: str
    width: int
    height: int
    sar: Fraction
    codec: str
    pix_fmt: str
    duration: float

    @property
    def display_aspect(self) -> float:
        return float(self.width * self.sar / self.height)


def check_hls(master_path: Path, *, expect_audio: bool, expect_video: bool) -> list[Rendition]:
    """Everything a player needs, checked; returns the video renditions."""
    master = read_master(master_path)
    base = master_path.parent
    assert master.variants, "no variants in the master playlist"
    videos: list[Rendition] = []
    for attrs, uri in master.variants:
        assert int(attrs["BANDWIDTH"]) > 0
        codecs = attrs["CODECS"].strip('"').split(",")
        variant = base / uri
        assert "#EXT-X-ENDLIST" in variant.read_text()
        decode(variant)
        info = ffprobe_streams(variant)
        if expect_video:
            assert any(c.startswith("avc1.") for c in codecs), attrs
            assert "RESOLUTION" in attrs
            stream = next(s for s in info["streams"] if s["codec_type"] == "video")
            w, h = (int(x) for x in attrs["RESOLUTION"].split("x"))
            assert (w, h) == (stream["width"], stream["height"])
            sar = Fraction(stream.get("sample_aspect_ratio", "1:1").replace(":", "/"))
            videos.append(
                Rendition(
                    uri=uri,
                    width=w,
                    height=h,
                    sar=sar,
                    codec=stream["codec_name"],
                    pix_fmt=stream["pix_fmt"],
                    duration=float(info["format"]["duration"]),
                )
            )
        else:
            assert codecs == ["mp4a.40.2"], attrs
        if expect_audio:
            assert "mp4a.40.2" in codecs
    audio_media = [m for m in master.media if m.get("TYPE") == "AUDIO"]
    if expect_audio and expect_video:
        assert len(audio_media) == 1
        audio_uri = audio_media[0]["URI"].strip('"')
        decode(base / audio_uri)
        stream = ffprobe_streams(base / audio_uri)["streams"][0]
        assert stream["codec_name"] == "aac"
        assert stream["channels"] == 2
        assert int(stream["sample_rate"]) in (44_100, 48_000)
        for attrs, _uri in master.variants:
            assert attrs["AUDIO"] == audio_media[0]["GROUP-ID"]
    if not expect_audio:
        assert not audio_media
        for attrs, _uri in master.variants:
            assert "AUDIO" not in attrs
    # The whole presentation decodes through the master, as a player would open it.
    decode(master_path)
    return videos
