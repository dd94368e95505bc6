"""Poster, sprite sheet and WebVTT thumbnail track."""

from __future__ import annotations

import itertools
import json
import re
import subprocess

import pytest

from media_pipeline.artwork import (
    build_card_command,
    count_showinfo_frames,
    make_artwork,
    make_sprite,
    sprite_vtt,
)
from media_pipeline.ladder import PosterPlan, SpritePlan, plan_ladder
from media_pipeline.mp4copy import make_mp4_copy, pick_rung
from media_pipeline.probe import probe
from media_pipeline.transcode import run_transcode
from tests.media.factories import audio_info, video_info

CUE_RE = re.compile(
    r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n"
    r"sprite\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)"
)


def _seconds(h, m, s, ms):
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(text: str) -> list[tuple[float, float, tuple[int, int, int, int]]]:
    assert text.startswith("WEBVTT\n")
    return [
        (_seconds(*g[0:4]), _seconds(*g[4:8]), tuple(int(x) for x in g[8:12]))
        for g in CUE_RE.findall(text)
    ]


def image_size(path) -> tuple[int, int]:
    done = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=width,height",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    stream = json.loads(done.stdout)["streams"][0]
    return stream["width"], stream["height"]


# --- the WebVTT track -------------------------------------------------------------------


def test_vtt_covers_the_whole_duration_without_gaps():
    sprite = SpritePlan(interval=10, tile_width=160, tile_height=90, columns=10, count=13)
    cues = parse_vtt(sprite_vtt(sprite, 125.5))
    assert len(cues) == 13
    assert cues[0][0] == 0 and cues[-1][1] == 125.5
    for (_s, end, _xywh), (start, _e, _xywh2) in itertools.pairwise(cues):
        assert end == start
    assert cues[0][2] == (0, 0, 160, 90)
    assert cues[9][2] == (1440, 0, 160, 90)
    assert cues[10][2] == (0, 90, 160, 90)  # second row


def test_vtt_uses_the_count_ffmpeg_made():
    sprite = SpritePlan(interval=1, tile_width=160, tile_height=90, columns=4, count=4)
    fewer = parse_vtt(sprite_vtt(sprite, 4.0, count=3))
    assert len(fewer) == 3 and fewer[-1][:2] == (2.0, 4.0)  # last cue stretched
    more = parse_vtt(sprite_vtt(sprite, 4.0, count=9))
    assert len(more) == 4  # never past the tiles the sheet holds


def test_vtt_timestamps_past_an_hour():
    sprite = SpritePlan(interval=30, tile_width=160, tile_height=90, columns=10, count=125)
    text = sprite_vtt(sprite, 3725.25)
    assert "01:02:00.000 --> 01:02:05.250" in text


def test_count_showinfo_frames():
    stderr = (
        "[Parsed_showinfo_1 @ 0x1] config in time_base: 1/25\n"
        "[Parsed_showinfo_1 @ 0x1] n:   0 pts:      0 pts_time:0\n"
        "[Parsed_showinfo_1 @ 0x1] n:   1 pts:     25 pts_time:1\n"
        "[Parsed_showinfo_1 @ 0x1]   side data\n"
    )
    assert count_showinfo_frames(stderr) == 2


# --- real files -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("family", "shape"),
    [("mov_rotated", "portrait"), ("anamorphic", "wide"), ("mpeg2_interlaced", "4:3")],
)
def test_poster_sprite_and_track(clips, tmp_path, family, shape):
    source = clips.path(family)
    info = probe(source)
    plan = plan_ladder(info, max_height=360, sprite_interval=0.25)
    result = make_artwork(source, tmp_path, plan, info)

    width, height = image_size(result.poster)
    assert (width, height) == (plan.poster.width, plan.poster.height)
    ratio = width / height
    expected = {"portrait": 9 / 16, "wide": 16 / 9, "4:3": 4 / 3}[shape]
    assert abs(ratio - expected) / expected < 0.02

    sprite = plan.sprite
    assert sprite.tile_width == 160
    assert image_size(result.sprite) == (
        sprite.columns * sprite.tile_width,
        sprite.rows * sprite.tile_height,
    )
    cues = parse_vtt(result.vtt.read_text())
    assert len(cues) >= sprite.count - 1
    assert cues[0][0] == 0
    assert cues[-1][1] == pytest.approx(info.duration, abs=0.001)
    for start, end, (x, y, w, h) in cues:
        assert end > start
        assert (w, h) == (sprite.tile_width, sprite.tile_height)
        assert x + w <= sprite.columns * w and y + h <= sprite.rows * h


@pytest.mark.slow
def test_keyframes_only_sprite_for_long_sources(clips, tmp_path):
    source = clips.path("ten_seconds")
    info = probe(source)
    plan = plan_ladder(info, sprite_interval=2)
    sprite, vtt = make_sprite(source, tmp_path, plan, info, keyframes_only=True)
    assert image_size(sprite) == (5 * 160, 90)
    cues = parse_vtt(vtt.read_text())
    assert cues[-1][1] == pytest.approx(10.0, abs=0.05)


@pytest.mark.slow
def test_audio_only_gets_a_waveform_poster_and_no_sprite(clips, tmp_path):
    source = clips.path("mp3")
    info = probe(source)
    plan = plan_ladder(info)
    result = make_artwork(source, tmp_path, plan, info)
    assert plan.poster.kind == "waveform"
    assert image_size(result.poster) == (640, 360)
    assert result.sprite is None and result.vtt is None


@pytest.mark.slow
def test_audio_with_cover_art_uses_the_cover(clips, tmp_path):
    source = clips.path("mp3_cover")
    info = probe(source)
    plan = plan_ladder(info)
    result = make_artwork(source, tmp_path, plan, info)
    assert plan.poster.kind == "cover"
    width, height = image_size(result.poster)
    assert width == height  # the square cover, not a 16:9 card
    assert result.sprite is None


def test_colour_card_fallback(tmp_path):
    out = tmp_path / "card.jpg"
    command = build_card_command(out, PosterPlan("waveform", 0.0, 640, 360))
    subprocess.run(command, check=True, capture_output=True)
    assert image_size(out) == (640, 360)


def test_mp4_copy_takes_the_720p_rung_or_the_largest_below(tmp_path, clips):
    """The downloadable copy is a remux of one rung plus the audio, playable on its own."""
    assert pick_rung(plan_ladder(video_info(1920, 1080))).short_side == 720
    assert pick_rung(plan_ladder(video_info(640, 360))).short_side == 360
    assert pick_rung(plan_ladder(audio_info())) is None

    source = clips.path("odd_854x480")
    info = probe(source)
    plan = plan_ladder(info)
    out = tmp_path / "out"
    run_transcode(source, out, plan, info, preset="ultrafast")
    copy = make_mp4_copy(out, plan)
    streams = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(copy)],
            capture_output=True,
            check=True,
        ).stdout
    )["streams"]
    assert [(s["codec_type"], s.get("height")) for s in streams] == [
        ("video", 480),
        ("audio", None),
    ]
    # faststart: the index (moov) comes before the media data, so it plays while loading.
    head = copy.read_bytes()[:4096]
    assert b"moov" in head
