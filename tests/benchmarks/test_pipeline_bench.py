"""Pipeline benchmark on a 60 s 1080p25 clip with audio (run with `make bench`).

Measures, as medians of rounds run side by side (the machine is shared, absolute times drift):
(a) the whole pipeline (fetch, probe, one-process transcode, artwork, parallel publish,
    verify) ÷ the bare ffmpeg command it builds — issue 3's target ≤ 1.10, asserted;
(b) the pipeline ÷ one ffmpeg run per rung plus one for audio — issue 3's target ≤ 0.80,
    asserted;
(c) encode speed as a multiple of real time — printed only: the issue asks for the figure
    and sets no target.
Each round runs the three contenders once, in an order that rotates from round to round,
so that none of them always runs first (cold caches) or last (after the others heated the
machine). The ratios of the wall-time medians are asserted; the ratios within each round
and the CPU-time ratios are printed beside them, to show the spread and whether a miss is
the pipeline's own work or other load on the machine.
BENCH_SECONDS (default 300) bounds the time spent on rounds; BENCH_PIPELINE_MIN_ROUNDS
(default 3) rounds always run, because a median of one round is no median.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import time

import pytest

from catalog.models import Resource
from edu_portal.accounts.models import User
from edu_portal.storage import get_storage
from media_pipeline.ladder import plan_ladder
from media_pipeline.probe import probe
from media_pipeline.processing import services
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.transcode import DEFAULT_PRESET, build_command, build_per_rung_commands

SECONDS = 60
BUDGET = float(os.environ.get("BENCH_SECONDS", "300"))
MIN_ROUNDS = max(1, int(os.environ.get("BENCH_PIPELINE_MIN_ROUNDS", "3")))
TARGET_A = 1.10  # pipeline / bare single command, at most
TARGET_B = 0.80  # pipeline / one run per rung, at most


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(action, cpu: list[float]) -> float:
    """Wall seconds of ``action``; appends its CPU seconds to ``cpu``."""
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    cpu.append(_cpu_seconds() - cpu_start)
    return elapsed


@pytest.mark.django_db
def test_pipeline_benchmark(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.PIPELINE_PRESET = DEFAULT_PRESET
    source = tmp_path / "lesson-1080p.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin",
         "-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=25:d={SECONDS}",
         "-f", "lavfi", "-i", f"sine=f=440:d={SECONDS}",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "aac",
         "-shortest", str(source)],
        check=True, timeout=600,
    )  # fmt: skip
    info = probe(source)
    plan = plan_ladder(info)
    user = User.objects.create_user("bench")
    video = Resource.objects.create(title="bench", kind="video", uploader=user)
    video.source_key = f"sources/{video.pk}/source"
    video.save()
    with source.open("rb") as handle:
        get_storage().put(video.source_key, handle)

    def pipeline() -> None:
        job = ProcessingJob.objects.create(resource=video)
        assert services.process_job(job.pk) == "ready"

    def bare() -> None:
        out = tmp_path / "bare"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        command = build_command(source, out, plan, info, progress=False)
        subprocess.run(command, check=True, timeout=3600)

    def per_rung() -> None:
        out = tmp_path / "per-rung"
        shutil.rmtree(out, ignore_errors=True)
        for command in build_per_rung_commands(source, out, plan, info):
            subprocess.run(command, check=True, timeout=3600)

    contenders = {"bare": bare, "pipeline": pipeline, "per_rung": per_rung}
    names = list(contenders)
    timings: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    stages: list[dict[str, float]] = []
    started = time.perf_counter()
    while True:
        rounds = len(timings["pipeline"])
        for name in names[rounds % 3 :] + names[: rounds % 3]:  # rotate the order
            timings[name].append(_timed(contenders[name], cpu[name]))
            if name == "pipeline":
                stages.append(video.jobs.first().stage_seconds)  # the newest job
        rounds += 1
        elapsed = time.perf_counter() - started
        if rounds >= MIN_ROUNDS and elapsed + elapsed / rounds > BUDGET:
            break

    median = {name: statistics.median(values) for name, values in timings.items()}
    encode = statistics.median(stage["transcode"] for stage in stages)
    rungs = ", ".join(f"{r.height}p" for r in plan.rungs)
    print(
        f"\npipeline benchmark: {SECONDS} s 1080p25 + audio, rungs {rungs}, preset {DEFAULT_PRESET}"
    )
    print(f"rounds: {rounds} (order rotated each round); cpus: {os.cpu_count()}")
    for name, value in median.items():
        print(f"  {name:<9} median {value:7.2f} s   runs {[round(v, 2) for v in timings[name]]}"
              f"   CPU median {statistics.median(cpu[name]):7.2f} s")  # fmt: skip
    stage_medians = {
        name: statistics.median(stage.get(name, 0.0) for stage in stages) for name in stages[0]
    }
    print(
        "  pipeline stages, medians: "
        + ", ".join(f"{name} {value:.2f} s" for name, value in stage_medians.items())
    )
    ratio_a = median["pipeline"] / median["bare"]
    ratio_b = median["pipeline"] / median["per_rung"]
    per_round_a = [p / b for p, b in zip(timings["pipeline"], timings["bare"], strict=True)]
    per_round_b = [p / r for p, r in zip(timings["pipeline"], timings["per_rung"], strict=True)]
    verdict_a = "PASS" if ratio_a <= TARGET_A else "MISS"
    verdict_b = "PASS" if ratio_b <= TARGET_B else "MISS"
    print(f"(a) pipeline / bare single command = {ratio_a:.3f}"
          f"  (target <= {TARGET_A:.2f}: {verdict_a})"
          f"   per round {[round(r, 3) for r in per_round_a]}")  # fmt: skip
    print(f"(b) pipeline / one run per rung    = {ratio_b:.3f}"
          f"  (target <= {TARGET_B:.2f}: {verdict_b})"
          f"   per round {[round(r, 3) for r in per_round_b]}")  # fmt: skip
    # CPU time is far less disturbed than wall time by other jobs on a shared machine; it
    # shows whether a wall-time miss is the pipeline's work or the machine's load.
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"    CPU time ratios (information): pipeline / bare"
          f" {cpu_median['pipeline'] / cpu_median['bare']:.3f}, pipeline / per rung"
          f" {cpu_median['pipeline'] / cpu_median['per_rung']:.3f}")  # fmt: skip
    print(f"(c) encode speed = {SECONDS / encode:.2f}x real time "
          f"(pipeline end to end {SECONDS / median['pipeline']:.2f}x; no target)")  # fmt: skip
    assert ratio_a <= TARGET_A, f"(a) pipeline / bare = {ratio_a:.3f}, target <= {TARGET_A}"
    assert ratio_b <= TARGET_B, f"(b) pipeline / per rung = {ratio_b:.3f}, target <= {TARGET_B}"
