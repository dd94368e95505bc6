"""Pipeline benchmark on a 60 s 1080p25 clip with audio (run with `make bench`).

Prints, as medians of rounds run side by side (the machine is shared, absolute times drift):
(a) the whole pipeline (fetch, probe, one-process transcode, artwork, parallel publish,
    verify) ÷ the bare ffmpeg command it builds — target ≤ 1.10;
(b) the pipeline ÷ one ffmpeg run per rung plus one for audio — target ≤ 0.80;
(c) encode speed as a multiple of real time.
BENCH_SECONDS (default 300) bounds the time spent on rounds; one round always runs.
"""

from __future__ import annotations

import os
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


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


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
    resource = Resource.objects.create(title="bench", kind="video", uploader=user)
    resource.source_key = f"sources/{resource.pk}/source"
    resource.save()
    with source.open("rb") as handle:
        get_storage().put(resource.source_key, handle)

    def pipeline() -> None:
        job = ProcessingJob.objects.create(resource=resource)
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

    timings: dict[str, list[float]] = {"pipeline": [], "bare": [], "per_rung": []}
    encode: list[float] = []
    started = time.perf_counter()
    while True:
        timings["bare"].append(_timed(bare))
        timings["pipeline"].append(_timed(pipeline))
        encode.append(resource.jobs.first().stage_seconds["transcode"])
        timings["per_rung"].append(_timed(per_rung))
        elapsed = time.perf_counter() - started
        if elapsed + elapsed / len(timings["pipeline"]) > BUDGET:
            break

    median = {name: statistics.median(values) for name, values in timings.items()}
    rungs = ", ".join(f"{r.height}p" for r in plan.rungs)
    print(
        f"\npipeline benchmark: {SECONDS} s 1080p25 + audio, rungs {rungs}, preset {DEFAULT_PRESET}"
    )
    print(f"rounds: {len(timings['pipeline'])}; cpus: {os.cpu_count()}")
    for name, value in median.items():
        print(f"  {name:<9} median {value:7.2f} s   runs {[round(v, 2) for v in timings[name]]}")
    ratio_a = median["pipeline"] / median["bare"]
    ratio_b = median["pipeline"] / median["per_rung"]
    print(f"(a) pipeline / bare single command = {ratio_a:.3f}  (target <= 1.10)")
    print(f"(b) pipeline / one run per rung    = {ratio_b:.3f}  (target <= 0.80)")
    print(f"(c) encode speed = {SECONDS / statistics.median(encode):.2f}x real time "
          f"(pipeline end to end {SECONDS / median['pipeline']:.2f}x)")  # fmt: skip
