"""Every family of file the bureau holds: probe -> plan -> one ffmpeg -> HLS a player reads.

A small HLS client (``hls_client``) opens the published master playlist, decodes every
rendition and checks what a viewer would see: right way up, right shape, with sound when
the source had sound. Tests use ``-preset ultrafast`` and cap the ladder at 360p so the
suite stays fast on two cores; the ladder rules themselves are covered in test_ladder.py.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from media_pipeline.ladder import plan_ladder
from media_pipeline.probe import probe
from media_pipeline.transcode import run_transcode

from .hls_client import check_hls, durations, read_master

pytestmark = pytest.mark.slow

VIDEO_FAMILIES = [
    "wmv",
    "flv",
    "rm",
    "avi",
    "mpeg2_interlaced",
    "3gp",
    "mov_rotated",
    "mkv",
    "hevc10",
    "no_audio",
    "one_second",
    "odd_854x480",
    "odd_321x241",
    "anamorphic",
    "vfr",
]
AUDIO_FAMILIES = ["mp3", "mp3_cover", "wma", "m4a"]


def _transcode(clips, tmp_path, family, **plan_options):
    source = clips.path(family)
    info = probe(source)
    plan = plan_ladder(info, **{"max_height": 360, **plan_options})
    seen: list[float] = []
    result = run_transcode(
        source, tmp_path / "hls", plan, info, on_progress=seen.append, preset="ultrafast"
    )
    return info, plan, result, seen


@pytest.mark.parametrize("family", VIDEO_FAMILIES)
def test_video_family_plays_everywhere(clips, tmp_path, family):
    info, plan, result, seen = _transcode(clips, tmp_path, family)
    renditions = check_hls(result.master_path, expect_audio=info.has_audio, expect_video=True)
    assert len(renditions) == len(plan.rungs) >= 1
    source_dar = float(info.display_aspect_ratio)
    for rendition in renditions:
        assert rendition.codec == "h264"
        assert rendition.pix_fmt == "yuv420p"  # 10-bit HEVC included
        assert rendition.sar == 1
        assert rendition.width % 2 == 0 and rendition.height % 2 == 0
        assert abs(rendition.display_aspect - source_dar) / source_dar < 0.02, rendition
        assert (rendition.height > rendition.width) == (info.display_height > info.display_width)
        assert abs(rendition.duration - info.duration) < 0.6
    assert seen and seen[-1] == 100.0
    assert seen == sorted(seen)


def test_rotated_phone_video_ends_up_portrait(clips, tmp_path):
    info, _plan, result, _seen = _transcode(clips, tmp_path, "mov_rotated")
    assert (info.display_width, info.display_height) == (1080, 1920)
    renditions = check_hls(result.master_path, expect_audio=True, expect_video=True)
    assert [(r.width, r.height) for r in renditions] == [(360, 640), (240, 426)]


def test_interlaced_source_is_deinterlaced(clips, tmp_path):
    _info, plan, result, _seen = _transcode(clips, tmp_path, "mpeg2_interlaced")
    assert plan.deinterlace
    assert "bwdif" in " ".join(result.command)
    variant = result.master_path.parent / plan.rungs[0].name / "index.m3u8"
    probe_out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=field_order,avg_frame_rate",
            "-of",
            "json",
            str(variant),
        ],
        capture_output=True,
        check=True,
    )
    stream = json.loads(probe_out.stdout)["streams"][0]
    assert stream.get("field_order", "progressive") == "progressive"
    assert stream["avg_frame_rate"] == "25/1"


@pytest.mark.parametrize("family", AUDIO_FAMILIES)
def test_audio_only_family(clips, tmp_path, family):
    info, plan, result, _seen = _transcode(clips, tmp_path, family)
    assert not info.has_video and plan.rungs == []
    check_hls(result.master_path, expect_audio=True, expect_video=False)
    master = read_master(result.master_path)
    assert len(master.variants) == 1


def test_segments_and_keyframes_line_up_across_rungs(clips, tmp_path):
    _info, plan, result, _seen = _transcode(clips, tmp_path, "ten_seconds", heights=(180, 120))
    assert [r.name for r in plan.rungs] == ["180p", "120p"]
    hls = result.master_path.parent
    lists = [durations(hls / r.name / "index.m3u8") for r in plan.rungs]
    assert lists[0] == lists[1]
    assert [round(d) for d in lists[0]] == [4, 4, 2]
    audio = durations(hls / "audio" / "index.m3u8")
    assert abs(sum(audio) - sum(lists[0])) < 0.2
    keyframes = {}
    for rung in plan.rungs:
        packets = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_entries",
                "packet=pts_time,flags",
                "-of",
                "json",
                str(hls / rung.name / "index.m3u8"),
            ],
            capture_output=True,
            check=True,
        )
        keys = [
            round(float(p["pts_time"]), 2)
            for p in json.loads(packets.stdout)["packets"]
            if "K" in p["flags"]
        ]
        keyframes[rung.name] = keys
        # Only the forced keyframes: one per segment, 4 s apart (the start offset is the
        # fMP4 presentation delay, the same in every rung).
        assert [round(k - keys[0], 2) for k in keys] == [0.0, 4.0, 8.0], (rung.name, keys)
    assert keyframes["180p"] == keyframes["120p"]


def test_real_preset_uses_high_and_main_profiles(clips, tmp_path):
    source = clips.path("odd_854x480")
    info = probe(source)
    plan = plan_ladder(info)
    result = run_transcode(source, tmp_path / "hls", plan, info, preset="veryfast")
    master = read_master(result.master_path)
    codecs = [attrs["CODECS"].strip('"').split(",")[0] for attrs, _uri in master.variants]
    assert codecs[0].startswith("avc1.64")  # High for 480p
    assert all(c.startswith("avc1.4d") for c in codecs[1:])  # Main for 360p and 240p
