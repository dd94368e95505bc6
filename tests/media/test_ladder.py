"""Ladder planning rules, on made-up sources (no ffmpeg)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from media_pipeline.ladder import (
    RUNG_CAPS,
    cap_frame_rate,
    even,
    plan_ladder,
    plan_rungs,
    rung_cap,
    video_bitrate,
)

from .factories import audio_info, video_info


def sizes(plan_or_rungs):
    rungs = getattr(plan_or_rungs, "rungs", plan_or_rungs)
    return [(r.width, r.height) for r in rungs]


# --- which rungs ------------------------------------------------------------------------


def test_full_hd_gets_every_rung_largest_first():
    plan = plan_ladder(video_info(1920, 1080))
    assert [r.name for r in plan.rungs] == ["1080p", "720p", "480p", "360p", "240p"]
    assert sizes(plan) == [(1920, 1080), (1280, 720), (854, 480), (640, 360), (426, 240)]


@pytest.mark.parametrize(
    ("width", "height", "names"),
    [
        (1280, 720, ["720p", "480p", "360p", "240p"]),
        (720, 576, ["480p", "360p", "240p"]),  # PAL: nothing above the source
        (640, 480, ["480p", "360p", "240p"]),
        (426, 240, ["240p"]),
        (1440, 1080, ["1080p", "720p", "480p", "360p", "240p"]),
    ],
)
def test_only_rungs_at_or_below_the_source(width, height, names):
    assert [r.name for r in plan_ladder(video_info(width, height)).rungs] == names


def test_source_smaller_than_240_keeps_its_own_size():
    assert sizes(plan_ladder(video_info(176, 144))) == [(176, 144)]
    # Odd sides are made even, never larger than the source's short side.
    assert sizes(plan_ladder(video_info(175, 143))) == [(174, 142)]


def test_max_height_caps_the_top_rung():
    plan = plan_ladder(video_info(1920, 1080), max_height=480)
    assert [r.name for r in plan.rungs] == ["480p", "360p", "240p"]
    tiny = plan_ladder(video_info(1920, 1080), max_height=200)
    assert sizes(tiny) == [(356, 200)]


def test_always_at_least_one_rung():
    for w, h in [(2, 2), (64, 48), (100, 1000), (4096, 2160)]:
        assert plan_ladder(video_info(w, h)).rungs


# --- sizes, aspect, rotation, SAR -------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "sar"),
    [
        (854, 480, 1),
        (1920, 1080, 1),
        (720, 576, Fraction(64, 45)),
        (720, 576, Fraction(16, 15)),
        (720, 480, Fraction(32, 27)),
        (1440, 1080, Fraction(4, 3)),
        (321, 241, 1),
        (176, 144, Fraction(12, 11)),
    ],
)
def test_even_sizes_keep_display_aspect(width, height, sar):
    info = video_info(width, height, sar=sar)
    dar = float(Fraction(width) * sar / height)
    for rung in plan_ladder(info).rungs:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert abs(rung.width / rung.height - dar) / dar < 0.02, rung


def test_width_from_height_times_dar_rounded_to_even():
    assert sizes(plan_ladder(video_info(854, 480), max_height=360)) == [(640, 360), (428, 240)]
    assert even(426.67) == 426 and even(427.2) == 428 and even(1) == 2


def test_anamorphic_pal_is_widened_not_squashed():
    plan = plan_ladder(video_info(720, 576, sar=Fraction(64, 45)))
    assert sizes(plan) == [(854, 480), (640, 360), (426, 240)]
    four_three = plan_ladder(video_info(720, 576, sar=Fraction(16, 15)))
    assert sizes(four_three) == [(640, 480), (480, 360), (320, 240)]
    assert any("SAR" in note for note in plan.notes)


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_phone_video_stays_portrait(rotation):
    plan = plan_ladder(video_info(1920, 1080, rotation=rotation))
    assert sizes(plan) == [(1080, 1920), (720, 1280), (480, 854), (360, 640), (240, 426)]
    assert all(r.height > r.width for r in plan.rungs)
    assert plan.rotation == rotation
    assert (plan.display_width, plan.display_height) == (1080, 1920)


def test_upside_down_stays_landscape():
    assert sizes(plan_ladder(video_info(1280, 720, rotation=180)))[0] == (1280, 720)


def test_rotated_anamorphic():
    plan = plan_ladder(video_info(720, 576, sar=Fraction(64, 45), rotation=90))
    assert sizes(plan)[0] == (480, 854)


# --- frame rate and keyframes -----------------------------------------------------------


def test_frame_rate_capped_at_60_and_30_below_720():
    plan = plan_ladder(video_info(1920, 1080, fps=60))
    assert [r.fps for r in plan.rungs] == [60, 60, 30, 30, 30]
    assert [r.change_fps for r in plan.rungs] == [False, False, True, True, True]


@pytest.mark.parametrize(
    ("source", "cap", "expected"),
    [
        (Fraction(25), Fraction(30), Fraction(25)),
        (Fraction(24000, 1001), Fraction(30), Fraction(24000, 1001)),
        (Fraction(50), Fraction(30), Fraction(25)),  # halve, do not resample to 30
        (Fraction(60000, 1001), Fraction(30), Fraction(30000, 1001)),
        (Fraction(120), Fraction(60), Fraction(60)),
        (Fraction(120), Fraction(30), Fraction(30)),
        (Fraction(100), Fraction(30), Fraction(25)),
        (Fraction(33), Fraction(30), Fraction(30)),  # 16.5 would be too choppy
        (Fraction(240), Fraction(60), Fraction(60)),
    ],
)
def test_cap_frame_rate(source, cap, expected):
    assert cap_frame_rate(source, cap) == expected


def test_high_frame_rate_source():
    plan = plan_ladder(video_info(1280, 720, fps=120))
    assert [r.fps for r in plan.rungs] == [60, 30, 30, 30]


def test_gop_is_segment_length_in_frames():
    plan = plan_ladder(video_info(1920, 1080, fps=Fraction(30000, 1001)))
    assert plan.segment_seconds == 4
    assert {r.gop for r in plan.rungs} == {120}
    assert plan.gop_frames == 120
    pal = plan_ladder(video_info(720, 576, fps=50))
    assert [r.gop for r in pal.rungs] == [100, 100, 100]  # 25 fps below 720p
    six = plan_ladder(video_info(1280, 720, fps=25), segment_seconds=6)
    assert six.rungs[0].gop == 150


def test_variable_frame_rate_gets_a_fixed_standard_rate():
    phone = video_info(
        1280,
        720,
        fps=Fraction(2987, 100),
        r_frame_rate=Fraction(30),
        variable_frame_rate=True,
    )
    rungs = plan_rungs(phone)
    assert {r.fps for r in rungs} == {30}
    assert all(r.change_fps for r in rungs)
    # ASF with a 1 kHz time base in r_frame_rate: the average is the rate.
    asf = video_info(
        320, 240, fps=Fraction(2497, 100), r_frame_rate=Fraction(1000), variable_frame_rate=True
    )
    assert plan_rungs(asf)[0].fps == 25


def test_unknown_frame_rate_defaults_to_25():
    info = video_info(640, 480, frame_rate=None, r_frame_rate=None)
    assert plan_rungs(info)[0].fps == 25


# --- bit rates --------------------------------------------------------------------------


def test_bitrate_from_bits_per_pixel_below_the_cap():
    # 640x360 at 25 fps, 0.1 bpp = 576 kb/s, under the 360p cap of 800 kb/s.
    assert video_bitrate(640, 360, Fraction(25), 360, None) == 576_000
    assert video_bitrate(640, 360, Fraction(25), 360, None, bits_per_pixel=0.05) == 288_000


def test_bitrate_capped_per_rung():
    plan = plan_ladder(video_info(1920, 1080, fps=60))
    for rung in plan.rungs:
        assert rung.video_bitrate <= RUNG_CAPS[int(rung.name[:-1])]
    assert plan.rungs[0].video_bitrate == 5_000_000
    assert plan.rungs[1].video_bitrate == 2_800_000


def test_bitrate_never_above_one_and_a_half_times_the_source():
    info = video_info(1920, 1080, video_bitrate=1_000_000)
    for rung in plan_ladder(info).rungs:
        assert rung.video_bitrate <= 1_500_000
    # Estimated from the container when the stream does not say.
    asf = video_info(1280, 720, bit_rate=1_128_000, audio_bitrate=128_000)
    assert asf.estimated_video_bitrate == 1_000_000
    assert plan_ladder(asf).rungs[0].video_bitrate == 1_500_000


def test_maxrate_and_bufsize_follow_the_target():
    rung = plan_ladder(video_info(1280, 720)).rungs[0]
    assert rung.maxrate == int(rung.video_bitrate * 1.5)
    assert rung.bufsize == int(rung.video_bitrate * 2)


def test_rung_cap_for_odd_sizes():
    assert rung_cap(144) == RUNG_CAPS[240]
    assert rung_cap(576) == RUNG_CAPS[720]
    assert rung_cap(2160) == RUNG_CAPS[1080]


def test_profiles():
    plan = plan_ladder(video_info(1920, 1080))
    assert [r.profile for r in plan.rungs] == ["high", "high", "high", "main", "main"]


# --- deinterlace, audio -----------------------------------------------------------------


def test_deinterlace_only_when_interlaced():
    assert plan_ladder(video_info(720, 576, interlaced=True, field_order="tt")).deinterlace
    assert not plan_ladder(video_info(720, 576)).deinterlace


def test_one_aac_rendition_when_there_is_audio():
    audio = plan_ladder(video_info(1280, 720)).audio
    assert audio is not None
    assert (audio.codec, audio.bitrate, audio.channels, audio.sample_rate) == (
        "aac",
        128_000,
        2,
        48_000,
    )
    cd = plan_ladder(video_info(1280, 720, audio_sample_rate=44_100)).audio
    assert cd.sample_rate == 44_100
    assert plan_ladder(video_info(1280, 720, audio_sample_rate=22_050)).audio.sample_rate == 44_100
    assert plan_ladder(video_info(1280, 720, audio_sample_rate=8_000)).audio.sample_rate == 48_000


def test_video_without_audio_has_no_audio_rendition():
    plan = plan_ladder(video_info(1280, 720, has_audio=False, audio_index=None, audio_codec=None))
    assert plan.audio is None
    assert plan.rungs


def test_audio_only_plan():
    plan = plan_ladder(audio_info())
    assert plan.audio_only and plan.rungs == []
    assert plan.audio is not None and plan.audio.sample_rate == 44_100
    assert plan.sprite is None
    assert plan.poster.kind == "waveform"
    assert plan.gop_frames is None
    with_cover = plan_ladder(audio_info(has_cover_art=True, cover_art_index=1))
    assert with_cover.poster.kind == "cover"


def test_nothing_to_plan():
    with pytest.raises(ValueError):
        plan_ladder(audio_info(has_audio=False))


# --- poster and sprite ------------------------------------------------------------------


def test_poster_ten_percent_in_and_at_most_720p():
    plan = plan_ladder(video_info(1920, 1080, duration=600.0))
    assert plan.poster.at_seconds == 60.0
    assert (plan.poster.width, plan.poster.height) == (1280, 720)
    short = plan_ladder(video_info(640, 360, duration=1.0))
    assert short.poster.at_seconds == 0.5
    mid = plan_ladder(video_info(640, 360, duration=8.0))
    assert mid.poster.at_seconds == 1.0
    portrait = plan_ladder(video_info(1920, 1080, rotation=90))
    assert (portrait.poster.width, portrait.poster.height) == (720, 1280)


def test_sprite_plan():
    plan = plan_ladder(video_info(1920, 1080, duration=95.0))
    sprite = plan.sprite
    assert (sprite.tile_width, sprite.tile_height) == (160, 90)
    assert sprite.interval == 10 and sprite.count == 10
    assert sprite.columns == 10 and sprite.rows == 1
    # A two-hour lecture: wider interval, at most 300 thumbnails.
    long = plan_ladder(video_info(1280, 720, duration=7200.0)).sprite
    assert long.count <= 300 and long.count * long.interval >= 7200
    # A clip shorter than the interval still gets one thumbnail.
    tiny = plan_ladder(video_info(320, 180, duration=2.0)).sprite
    assert tiny.count == 1 and tiny.columns == 1
    portrait = plan_ladder(video_info(1920, 1080, rotation=90)).sprite
    assert (portrait.tile_width, portrait.tile_height) == (160, 284)


def test_plan_to_dict_is_json():
    data = plan_ladder(video_info(1920, 1080, fps=Fraction(30000, 1001))).to_dict()
    assert data["rungs"][0]["fps"] == "30000/1001"
    json.dumps(data)
