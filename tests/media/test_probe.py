"""Probing real clips of every family, and refusing what is not media."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest
from django.utils import translation

from media_pipeline.probe import (
    MediaError,
    NotMediaError,
    detect_interlacing,
    parse_idet,
    parse_probe,
    probe,
    rotation_of,
)

# family -> expected (video codec, audio codec)
CODECS = {
    "wmv": ("wmv2", "wmav2"),
    "flv": ("flv1", "mp3"),
    "rm": ("rv20", "ra_144"),
    "avi": ("mpeg4", "mp3"),
    "mpeg2_interlaced": ("mpeg2video", "mp2"),
    "3gp": ("h263", "aac"),
    "mov_rotated": ("h264", "aac"),
    "mkv": ("h264", "opus"),
    "hevc10": ("hevc", "aac"),
    "no_audio": ("h264", None),
    "mp3": (None, "mp3"),
    "mp3_cover": (None, "mp3"),
    "wma": (None, "wmav2"),
    "m4a": (None, "aac"),
}


@pytest.mark.parametrize("family", sorted(CODECS))
def test_codecs_and_streams(clips, family):
    info = probe(clips.path(family))
    video, audio = CODECS[family]
    assert info.video_codec == video
    assert info.audio_codec == audio
    assert info.has_video is (video is not None)
    assert info.has_audio is (audio is not None)
    assert 0.9 < info.duration < 3.5
    if info.has_audio:
        assert info.audio_channels >= 1
        assert info.audio_sample_rate > 0


def test_rotated_phone_video_is_portrait(clips):
    info = probe(clips.path("mov_rotated"))
    assert (info.width, info.height) == (1920, 1080)
    assert info.rotation in (90, 270)
    assert (info.display_width, info.display_height) == (1080, 1920)
    assert info.display_aspect_ratio == Fraction(9, 16)


def test_interlaced_dvd(clips):
    info = probe(clips.path("mpeg2_interlaced"))
    assert info.interlaced
    assert info.field_order == "tt"
    assert info.sample_aspect_ratio == Fraction(16, 15)
    assert (info.display_width, info.display_height) == (768, 576)


def test_idet_pass_sees_real_interlacing(clips):
    # The idet fallback used when MPEG-2 does not state its field order.
    assert detect_interlacing(clips.path("mpeg2_interlaced"), 0) is True
    # (testsrc2's moving diagonal fools idet, so the progressive sample is testsrc.)
    assert detect_interlacing(clips.path("odd_321x241"), 0) is False


def test_parse_idet():
    line = "[Parsed_idet_0 @ 0x1] Multi frame detection: TFF:  40 BFF: 0 Progressive: 8 "
    assert parse_idet(line + "Undetermined: 2") is True
    assert parse_idet(line.replace("TFF:  40", "TFF:  1") + "Undetermined: 2") is False
    assert parse_idet("no idet output") is False
    # Mostly undetermined (a still picture): not enough to call it interlaced.
    assert parse_idet(line.replace("TFF:  40", "TFF:  3") + "Undetermined: 90") is False
    # A torn-down first graph reports zeros before the real report.
    zeros = "Multi frame detection: TFF: 0 BFF: 0 Progressive: 0 Undetermined: 0\n"
    assert parse_idet(zeros + line + "Undetermined: 2") is True


def test_anamorphic_sar(clips):
    info = probe(clips.path("anamorphic"))
    assert (info.width, info.height) == (720, 576)
    assert info.sample_aspect_ratio == Fraction(64, 45)
    assert (info.display_width, info.display_height) == (1024, 576)
    assert abs(float(info.display_aspect_ratio) - 16 / 9) < 0.001


def test_hevc_10_bit(clips):
    info = probe(clips.path("hevc10"))
    assert info.pix_fmt == "yuv420p10le"
    assert info.bit_depth == 10


def test_cover_art_is_not_video(clips):
    info = probe(clips.path("mp3_cover"))
    assert not info.has_video
    assert info.has_cover_art
    assert info.cover_art_index is not None
    plain = probe(clips.path("mp3"))
    assert not plain.has_video and not plain.has_cover_art


def test_variable_frame_rate(clips):
    info = probe(clips.path("vfr"))
    assert info.variable_frame_rate
    assert info.r_frame_rate == 30
    assert info.frame_rate < 25
    assert not probe(clips.path("mkv")).variable_frame_rate


def test_odd_dimensions(clips):
    info = probe(clips.path("odd_321x241"))
    assert (info.width, info.height) == (321, 241)
    assert not info.has_audio


def test_bitrates_known(clips):
    info = probe(clips.path("mkv"))
    assert info.bit_rate and info.bit_rate > 0
    assert info.estimated_video_bitrate and info.estimated_video_bitrate > 0


def test_to_dict_is_json_friendly(clips):
    import json

    data = probe(clips.path("anamorphic")).to_dict()
    assert data["sample_aspect_ratio"] == "64/45"
    json.dumps(data)


@pytest.mark.parametrize(
    "name",
    [
        "empty.mp4",
        "text.mp4",
        "random.mp4",
        "truncated.mov",
        "garbled.mp4",
        "picture.mp4",
        "playlist.mp4",
    ],
)
def test_not_media_fails_fast_with_plain_message(clips, name):
    path = clips.bad(name)
    started = time.monotonic()
    with pytest.raises(NotMediaError) as caught:
        probe(path)
    assert time.monotonic() - started < 5
    assert isinstance(caught.value, MediaError)
    with translation.override("en"):
        message = str(caught.value)
    # Plain words for a teacher, never ffmpeg's jargon; the jargon is kept for the logs.
    assert "moov" not in message and "ffprobe" not in message
    assert message.endswith(".") and " file" in message
    assert caught.value.detail


def test_missing_file_is_a_caller_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "nope.mp4")


# --- parse_probe rules on hand-written ffprobe output -----------------------------------


def _data(*streams, duration="12.5", format_name="mov,mp4,m4a,3gp,3g2,mj2"):
    return {"format": {"format_name": format_name, "duration": duration}, "streams": streams}


VIDEO = {
    "index": 0,
    "codec_type": "video",
    "codec_name": "h264",
    "width": 1280,
    "height": 720,
    "avg_frame_rate": "30000/1001",
    "r_frame_rate": "30000/1001",
}
AUDIO = {"index": 1, "codec_type": "audio", "codec_name": "aac", "channels": 2}


def test_rotation_from_display_matrix_and_tag():
    assert rotation_of({"side_data_list": [{"rotation": -90}]}) == 270
    assert rotation_of({"side_data_list": [{"rotation": 90}]}) == 90
    assert rotation_of({"side_data_list": [{"rotation": 180}]}) == 180
    assert rotation_of({"side_data_list": [{"rotation": -89.9}]}) == 270
    # The legacy tag states the clockwise turn.
    assert rotation_of({"tags": {"rotate": "90"}}) == 270
    assert rotation_of({"tags": {"rotate": "270"}}) == 90
    assert rotation_of({}) == 0


def test_rotation_swaps_display_size():
    info = parse_probe(_data({**VIDEO, "side_data_list": [{"rotation": -90}]}, AUDIO))
    assert (info.display_width, info.display_height) == (720, 1280)


def test_field_order_rules():
    for order, interlaced in [
        ("tt", True),
        ("bb", True),
        ("tb", True),
        ("bt", True),
        ("progressive", False),
        ("unknown", False),
        (None, False),
    ]:
        stream = {**VIDEO, "field_order": order} if order else VIDEO
        assert parse_probe(_data(stream)).interlaced is interlaced


def test_frame_rates_and_vfr():
    info = parse_probe(_data(VIDEO))
    assert info.frame_rate == Fraction(30000, 1001)
    assert not info.variable_frame_rate
    vfr = parse_probe(_data({**VIDEO, "avg_frame_rate": "2950/100", "r_frame_rate": "30/1"}))
    assert vfr.variable_frame_rate
    # Rounding of a constant rate's average is not variability.
    cfr = parse_probe(_data({**VIDEO, "avg_frame_rate": "2999/100", "r_frame_rate": "30/1"}))
    assert not cfr.variable_frame_rate
    # ASF/FLV state their 1 kHz time base as r_frame_rate when timestamps are irregular:
    # the average is the frame rate, and the stream is treated as variable.
    asf = parse_probe(_data({**VIDEO, "avg_frame_rate": "25/1", "r_frame_rate": "1000/1"}))
    assert asf.frame_rate == 25 and asf.variable_frame_rate
    unknown = parse_probe(_data({**VIDEO, "avg_frame_rate": "0/0", "r_frame_rate": "25/1"}))
    assert unknown.frame_rate == 25


def test_sar_missing_or_zero_is_square():
    assert parse_probe(_data({**VIDEO, "sample_aspect_ratio": "0:1"})).sample_aspect_ratio == 1
    assert parse_probe(_data(VIDEO)).sample_aspect_ratio == 1


def test_bit_depth_from_pix_fmt():
    assert parse_probe(_data({**VIDEO, "pix_fmt": "yuv420p10le"})).bit_depth == 10
    assert parse_probe(_data({**VIDEO, "pix_fmt": "yuv420p"})).bit_depth == 8
    raw = {**VIDEO, "pix_fmt": "yuv420p", "bits_per_raw_sample": "10"}
    assert parse_probe(_data(raw)).bit_depth == 10


def test_cover_art_without_disposition():
    cover = {**VIDEO, "index": 1, "codec_name": "png", "nb_frames": "1"}
    info = parse_probe(_data({**AUDIO, "index": 0}, cover, format_name="mp3"))
    assert not info.has_video and info.has_cover_art


def test_motion_jpeg_video_is_video():
    mjpeg = {**VIDEO, "codec_name": "mjpeg", "nb_frames": "250"}
    assert parse_probe(_data(mjpeg, format_name="avi")).has_video


@pytest.mark.parametrize(
    "data",
    [
        _data(),  # no streams
        _data({"index": 0, "codec_type": "subtitle", "codec_name": "subrip"}),
        _data(VIDEO, duration="N/A"),
        _data({**VIDEO, "codec_name": "none"}),
        _data({**VIDEO, "width": 2368, "height": 240, "sample_aspect_ratio": "1:125"}),
        _data(VIDEO, format_name="png_pipe"),
        _data(VIDEO, format_name="hls"),
        _data(VIDEO, format_name="concat"),
    ],
)
def test_parse_probe_refusals(data):
    with pytest.raises(NotMediaError):
        parse_probe(data)
