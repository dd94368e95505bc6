"""The ffmpeg command, progress parsing, failures and the master playlist fix-ups."""

from __future__ import annotations

import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from media_pipeline.ladder import plan_ladder
from media_pipeline.probe import MediaError, probe
from media_pipeline.transcode import (
    ProgressParser,
    TranscodeError,
    avc1_codec,
    build_command,
    build_per_rung_commands,
    finalize_master_playlist,
    run_transcode,
    stream_map,
)

from .factories import audio_info, video_info
from .hls_client import decode, read_master


def _arg(command: list[str], option: str) -> str:
    return command[command.index(option) + 1]


def _graph(command: list[str]) -> str:
    return _arg(command, "-filter_complex")


# --- command shape ----------------------------------------------------------------------


def test_one_process_decodes_once_and_splits():
    info = video_info(720, 576, sar=Fraction(16, 15), fps=50, interlaced=True)
    plan = plan_ladder(info)
    command = build_command("/in/dvd.mpg", "/out", plan, info)
    assert command[0] == "ffmpeg"
    assert command.count("-i") == 1
    graph = _graph(command)
    # Deinterlace once, before the split into one branch per rung.
    assert graph.index("bwdif") < graph.index("split=3")
    assert graph.count("bwdif") == 1
    for rung in plan.rungs:
        assert f"scale={rung.width}:{rung.height}" in graph
    assert graph.count("setsar=1") == 3
    assert graph.count("fps=fps=25/1") == 3  # 50 fps halved in every rung below 720p
    assert graph.count("format=yuv420p") == 3
    # Three video maps from the graph and one audio map.
    assert command.count("-map") == 4


def test_encoder_options():
    info = video_info(1920, 1080, fps=Fraction(30000, 1001))
    plan = plan_ladder(info)
    command = build_command("/in/a.mp4", "/out", plan, info, preset="medium")
    assert _arg(command, "-c:v") == "libx264"
    assert _arg(command, "-preset") == "medium"
    assert _arg(command, "-pix_fmt") == "yuv420p"
    assert _arg(command, "-sc_threshold") == "0"
    assert _arg(command, "-force_key_frames") == "expr:gte(t,n_forced*4)"
    for i, rung in enumerate(plan.rungs):
        assert _arg(command, f"-g:v:{i}") == str(rung.gop) == "120"
        assert _arg(command, f"-keyint_min:v:{i}") == "120"
        assert _arg(command, f"-b:v:{i}") == str(rung.video_bitrate)
        assert _arg(command, f"-maxrate:v:{i}") == str(rung.maxrate)
        assert _arg(command, f"-bufsize:v:{i}") == str(rung.bufsize)
        assert _arg(command, f"-profile:v:{i}") == rung.profile
    assert "fps=" not in _graph(command)  # 29.97 is under every cap
    assert _arg(command, "-c:a") == "aac"
    assert _arg(command, "-b:a") == "128000"
    assert _arg(command, "-ac") == "2"
    assert _arg(command, "-ar") == "48000"
    assert _arg(command, "-progress") == "pipe:1"


def test_hls_output_options():
    info = video_info(1280, 720)
    plan = plan_ladder(info)
    command = build_command("/in/a.mp4", "/out", plan, info)
    assert _arg(command, "-f") == "hls"
    assert _arg(command, "-hls_segment_type") == "fmp4"
    assert _arg(command, "-hls_time") == "4"
    assert _arg(command, "-hls_playlist_type") == "vod"
    assert _arg(command, "-hls_flags") == "independent_segments"
    assert _arg(command, "-master_pl_name") == "master.m3u8"
    assert _arg(command, "-hls_segment_filename") == "/out/%v/seg_%05d.m4s"
    assert _arg(command, "-var_stream_map") == (
        "a:0,agroup:audio,name:audio v:0,agroup:audio,name:720p v:1,agroup:audio,name:480p "
        "v:2,agroup:audio,name:360p v:3,agroup:audio,name:240p"
    )
    assert "/out/%v/index.m3u8" in command


def test_single_rung_has_no_split():
    info = video_info(320, 240)
    command = build_command("/in/a.mp4", "/out", plan_ladder(info), info)
    assert "split" not in _graph(command)


def test_without_audio():
    info = video_info(640, 360, has_audio=False, audio_index=None)
    plan = plan_ladder(info)
    command = build_command("/in/a.mp4", "/out", plan, info)
    assert "-c:a" not in command
    assert stream_map(plan) == "v:0,name:360p v:1,name:240p"


def test_audio_only():
    info = audio_info()
    plan = plan_ladder(info)
    command = build_command("/in/a.mp3", "/out", plan, info)
    assert "-c:v" not in command
    assert "scale" not in _graph(command)
    assert _arg(command, "-var_stream_map") == "a:0,agroup:audio,name:audio"
    assert "-map" in command and _arg(command, "-map").startswith("[")


def test_rotation_left_to_ffmpeg_autorotate():
    # No transpose in our graph: ffmpeg turns the picture before it reaches the graph, and
    # the planned size is already the turned size.
    info = video_info(1920, 1080, rotation=90)
    command = build_command("/in/a.mov", "/out", plan_ladder(info), info)
    assert "transpose" not in _graph(command)
    assert "-noautorotate" not in command
    assert "scale=1080:1920" in _graph(command)


def test_streams_mapped_by_index():
    info = video_info(640, 360, video_index=2, audio_index=5)
    graph = _graph(build_command("/in/a.ts", "/out", plan_ladder(info), info))
    assert "[0:2]" in graph and "[0:5]" in graph


def test_per_rung_commands_decode_once_each(tmp_path):
    info = video_info(1280, 720)
    plan = plan_ladder(info)
    commands = build_per_rung_commands("/in/a.mp4", tmp_path, plan, info)
    assert len(commands) == len(plan.rungs) + 1
    for command, rung in zip(commands, plan.rungs, strict=False):
        assert command.count("-i") == 1
        assert "split" not in _graph(command)
        assert f"scale={rung.width}:{rung.height}" in _graph(command)
        assert f"{tmp_path}/{rung.name}/index.m3u8" in command
        assert (tmp_path / rung.name).is_dir()
        assert "-var_stream_map" not in command
    assert "-c:a" in commands[-1] and "-c:v" not in commands[-1]


# --- progress ---------------------------------------------------------------------------


def test_progress_parser():
    seen: list[float] = []
    parser = ProgressParser(10.0, seen.append)
    for line in [
        "frame=0",
        "out_time_us=N/A",
        "out_time_us=1000000",
        "progress=continue",
        "out_time_us=500000",  # never backwards
        "out_time_us=5000000",
        "out_time_us=12000000",  # past the probed duration: held below 100
        "progress=end",
    ]:
        parser.feed(line + "\n")
    assert seen == [10.0, 50.0, 99.9, 100.0]


def test_progress_without_duration_only_reports_the_end():
    seen: list[float] = []
    parser = ProgressParser(0.0, seen.append)
    parser.feed("out_time_us=1000000")
    parser.feed("progress=end")
    assert seen == [100.0]


# --- running and failing ----------------------------------------------------------------


def test_failing_ffmpeg_raises_with_stderr_tail(clips, tmp_path):
    info = probe(clips.path("one_second"))
    plan = plan_ladder(info)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video any more" * 100)  # replaced after probing
    with pytest.raises(TranscodeError) as caught:
        run_transcode(broken, tmp_path / "out", plan, info, preset="ultrafast")
    error = caught.value
    assert isinstance(error, MediaError)
    assert error.returncode not in (0, None)
    assert error.stderr_tail
    assert len(error.stderr_tail.splitlines()) <= 30
    assert "broken.mp4" in error.stderr_tail
    assert error.command[0] == "ffmpeg"


def test_timeout_kills_ffmpeg(clips, tmp_path):
    source = clips.path("mov_rotated")
    info = probe(source)
    plan = plan_ladder(info)  # the full 1080p ladder: far slower than the timeout
    with pytest.raises(TranscodeError) as caught:
        run_transcode(source, tmp_path / "out", plan, info, timeout=0.05)
    assert "killed after" in caught.value.detail


def test_progress_callback_can_cancel(clips, tmp_path):
    source = clips.path("ten_seconds")
    info = probe(source)

    class Cancelled(Exception):
        pass

    def cancel(percent: float) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        run_transcode(source, tmp_path / "out", plan_ladder(info), info, on_progress=cancel)


def test_output_directory_must_be_empty(clips, tmp_path):
    (tmp_path / "stale.m4s").write_bytes(b"x")
    info = probe(clips.path("one_second"))
    with pytest.raises(ValueError):
        run_transcode(clips.path("one_second"), tmp_path, plan_ladder(info), info)


# --- master playlist --------------------------------------------------------------------


@pytest.fixture
def finished(clips, tmp_path_factory):
    """A finished two-rung set with audio, copied fresh for each test."""
    source = clips.path("odd_854x480")
    info = probe(source)
    plan = plan_ladder(info, max_height=360)
    out = tmp_path_factory.mktemp("finished")
    result = run_transcode(source, out / "hls", plan, info, preset="ultrafast")
    return result, plan


def test_master_has_bandwidth_resolution_codecs(finished):
    result, plan = finished
    master = read_master(result.master_path)
    assert [uri for _a, uri in master.variants] == ["360p/index.m3u8", "240p/index.m3u8"]
    for (attrs, _uri), rung in zip(master.variants, plan.rungs, strict=True):
        assert attrs["RESOLUTION"] == f"{rung.width}x{rung.height}"
        codecs = attrs["CODECS"].strip('"').split(",")
        assert codecs[0].startswith("avc1.") and codecs[1] == "mp4a.40.2"
        assert int(attrs["BANDWIDTH"]) >= int(attrs["AVERAGE-BANDWIDTH"]) > 0
        assert attrs["FRAME-RATE"] == "25.000"
        assert attrs["AUDIO"] == master.media[0]["GROUP-ID"]
    # The audio-only variant ffmpeg lists is gone; the audio stays as EXT-X-MEDIA.
    assert not any(uri.startswith("audio/") for _a, uri in master.variants)
    assert master.media[0]["URI"] == '"audio/index.m3u8"'
    assert master.media[0]["AUTOSELECT"] == "YES"


def test_codecs_restored_when_ffmpeg_leaves_them_out(finished):
    result, plan = finished
    master = result.master_path
    expected = read_master(master)
    stripped = [re.sub(r',CODECS="[^"]*"', "", line) for line in master.read_text().splitlines()]
    master.write_text("\n".join(stripped) + "\n")
    assert "CODECS" not in master.read_text()
    finalize_master_playlist(master, plan)
    again = read_master(master)
    for (before, _u), (after, _v) in zip(expected.variants, again.variants, strict=True):
        assert after["CODECS"] == before["CODECS"]


def test_avc1_codec_read_from_init_segment(finished):
    result, _plan = finished
    codec = avc1_codec(result.master_path.parent / "360p")
    assert codec is not None and len(codec) == len("avc1.42c01e")
    assert avc1_codec(result.master_path.parent / "nowhere") is None


def test_missing_or_incomplete_rendition_is_an_error(finished):
    result, plan = finished
    hls = result.master_path.parent
    playlist = hls / "240p" / "index.m3u8"
    playlist.write_text(playlist.read_text().replace("#EXT-X-ENDLIST", ""))
    with pytest.raises(TranscodeError):
        finalize_master_playlist(result.master_path, plan)
    shutil.rmtree(hls / "240p")
    with pytest.raises(TranscodeError):
        finalize_master_playlist(result.master_path, plan)
    with pytest.raises(TranscodeError):
        finalize_master_playlist(Path(hls / "absent.m3u8"), plan)


def test_result_lists_files_and_command(finished):
    result, plan = finished
    names = {p.relative_to(result.master_path.parent).as_posix() for p in result.files}
    assert "master.m3u8" in names
    for name in [r.name for r in plan.rungs] + ["audio"]:
        assert f"{name}/index.m3u8" in names
        assert any(n.startswith(f"{name}/seg_") for n in names)
        assert any(n.startswith(f"{name}/init") for n in names)
    assert result.command[0] == "ffmpeg" and result.seconds > 0


@pytest.mark.slow
def test_per_rung_commands_and_bare_command_run(clips, tmp_path):
    """What the benchmark runs: the bare single command, and one process per rung."""
    source = clips.path("odd_854x480")
    info = probe(source)
    plan = plan_ladder(info, max_height=360)
    bare = build_command(
        source, tmp_path / "single", plan, info, preset="ultrafast", progress=False
    )
    assert "-progress" not in bare
    subprocess.run(bare, check=True, capture_output=True, timeout=120)
    assert (tmp_path / "single" / "master.m3u8").is_file()
    commands = build_per_rung_commands(
        source, tmp_path / "per-rung", plan, info, preset="ultrafast"
    )
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    for name in [r.name for r in plan.rungs] + ["audio"]:
        decode(tmp_path / "per-rung" / name / "index.m3u8")
