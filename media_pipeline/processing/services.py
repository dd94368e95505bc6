"""Processing a job: claim, fetch the source, probe, plan, transcode, artwork, publish.

Every state change is a conditional UPDATE on the job row that names this worker, so a
job claimed by someone else (after the sweeper decided this worker was dead) stops here
instead of publishing over the other's work; a job run twice leaves one complete output set.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Resource
from edu_portal.storage import Storage, StorageUnavailable, get_storage
from media_pipeline.artwork import POSTER_NAME, make_artwork
from media_pipeline.ladder import plan_ladder
from media_pipeline.mp4copy import MP4_NAME, make_mp4_copy
from media_pipeline.probe import MediaError, probe
from media_pipeline.processing import notify, publish
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.transcode import run_transcode

log = logging.getLogger(__name__)
State = ProcessingJob.State

CHUNK = 1 << 20
PROGRESS_INTERVAL = 1.0  # seconds between percent/heartbeat UPDATEs
TRANSCODE_SHARE = 90.0  # percent reached when ffmpeg is done; artwork and publishing follow


def stale_after() -> timedelta:
    """A heartbeat older than this means the worker died."""
    return timedelta(seconds=settings.PIPELINE_STALE_SECONDS)


def max_attempts() -> int:
    return settings.PIPELINE_MAX_ATTEMPTS


def preset() -> str:
    return settings.PIPELINE_PRESET


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobLost(Exception):
    """Another worker took the job over (ours was thought dead): stop without publishing."""


class Runner:
    """The claimed job, seen from the worker that holds it."""

    def __init__(self, job_id: int, worker: str, storage: Storage) -> None:
        self.job_id = job_id
        self.worker = worker
        self.storage = storage
        self.stage_seconds: dict[str, float] = {}
        self._last_beat = 0.0

    def _mine(self):
        return ProcessingJob.objects.filter(pk=self.job_id, worker=self.worker).exclude(
            state__in=ProcessingJob.FINISHED
        )

    def update(self, **fields) -> None:
        if not self._mine().update(heartbeat_at=timezone.now(), **fields):
            raise JobLost(self.job_id)
        self._last_beat = time.monotonic()

    def beat(self, percent: float | None = None) -> None:
        """Throttled heartbeat (and percent): at most one UPDATE per PROGRESS_INTERVAL."""
        if time.monotonic() - self._last_beat < PROGRESS_INTERVAL:
            return
        self.update(**({"percent": round(percent, 1)} if percent is not None else {}))

    @contextmanager
    def beating(self, interval: float | None = None) -> Iterator[None]:
        """Heartbeat from a thread while the caller blocks on something without progress
        reports (artwork of a long recording), so the sweeper does not think us dead.
        By default a third of the stale timeout: at the timeout's minimum (30 s) a 30 s beat
        would let the sweeper take a live job over between two beats."""
        if interval is None:
            interval = min(30.0, stale_after().total_seconds() / 3)
        stop = threading.Event()

        def loop() -> None:
            try:
                while not stop.wait(interval):
                    if not self._mine().update(heartbeat_at=timezone.now()):
                        return
            finally:
                connection.close()  # this thread's own connection

        thread = threading.Thread(target=loop, name=f"heartbeat-{self.job_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def stage(self, name: str, started: float) -> None:
        self.stage_seconds[name] = round(time.monotonic() - started, 3)


def claim(job_id: int, worker: str) -> bool:
    """Take the job unless it is finished or another live worker holds it."""
    now = timezone.now()
    return bool(
        ProcessingJob.objects.filter(pk=job_id)
        .exclude(state__in=ProcessingJob.FINISHED)
        .filter(
            Q(worker="") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - stale_after())
        )
        .update(
            worker=worker,
            heartbeat_at=now,
            started_at=now,
            state=State.PROBING,
            percent=0,
            attempts=F("attempts") + 1,
            error_message="",
            error_detail="",
        )
    )


def process_job(job_id: int, *, worker: str | None = None) -> str:
    """Run the job if it can be claimed; return the state it ended in ("skipped" if not
    claimed). Raises StorageUnavailable (retry later: the claim is released) and JobLost."""
    worker = worker or worker_id()
    storage = get_storage()
    if not claim(job_id, worker):
        log.info("job %s not claimed (finished or held by a live worker)", job_id)
        return "skipped"
    job = ProcessingJob.objects.select_related("resource").get(pk=job_id)
    resource = job.resource
    # A ready resource keeps serving its current set while a re-transcode runs.
    Resource.objects.filter(pk=resource.pk).exclude(status=Resource.Status.READY).update(
        status=Resource.Status.PROCESSING
    )
    runner = Runner(job_id, worker, storage)
    try:
        with tempfile.TemporaryDirectory(prefix=f"edu-job-{job_id}-") as tmp:
            return _run(runner, job, resource, Path(tmp))
    except MediaError as exc:
        fail(job_id, str(exc), exc.detail, worker=worker, stage_seconds=runner.stage_seconds)
        return State.FAILED
    except StorageUnavailable:
        # Let the task's retry (or the sweeper) claim it again at once.
        ProcessingJob.objects.filter(pk=job_id, worker=worker).update(worker="")
        raise


def _run(runner: Runner, job: ProcessingJob, resource: Resource, tmp: Path) -> str:
    started = time.monotonic()
    source = tmp / "source"
    download(runner, resource.source_key, source)
    runner.stage("download", started)

    started = time.monotonic()
    info = probe(source)
    plan = plan_ladder(info)
    runner.stage("probe", started)
    runner.update(state=State.TRANSCODING, probe_info=info.to_dict(), plan=plan.to_dict())

    started = time.monotonic()
    out = tmp / "out"
    result = run_transcode(
        source,
        out,
        plan,
        info,
        on_progress=lambda p: runner.beat(p * TRANSCODE_SHARE / 100),
        timeout=settings.PIPELINE_TRANSCODE_TIMEOUT,
        preset=preset(),
    )
    runner.stage("transcode", started)
    runner.update(command=result.command, percent=TRANSCODE_SHARE)

    started = time.monotonic()
    with runner.beating():
        make_artwork(source, out, plan, info)
        make_mp4_copy(out, plan, timeout=settings.PIPELINE_TRANSCODE_TIMEOUT)
    source.unlink()  # free the disk before publishing
    runner.stage("artwork", started)
    runner.update(state=State.PUBLISHING)

    started = time.monotonic()
    prefix = publish.job_prefix(resource.pk, job.pk)
    publish.upload_directory(runner.storage, out, prefix, on_file=lambda _p: runner.beat())
    runner.stage("publish", started)
    finish(
        runner,
        resource,
        prefix,
        duration=info.duration,
        has_poster=(out / POSTER_NAME).exists(),
        has_mp4=(out / MP4_NAME).exists(),
    )
    return State.READY


def download(runner: Runner, key: str, dest: Path) -> None:
    """Copy the source object to ``dest`` in chunks (memory stays flat)."""
    with runner.storage.open(key) as stream, dest.open("wb") as handle:
        for chunk in stream:
            handle.write(chunk)
            runner.beat()


def finish(
    runner: Runner,
    resource: Resource,
    prefix: str,
    *,
    duration: float,
    has_poster: bool,
    has_mp4: bool = False,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        if not runner._mine().update(
            state=State.READY,
            percent=100,
            finished_at=now,
            heartbeat_at=now,
            output_prefix=prefix,
            stage_seconds=runner.stage_seconds,
        ):
            raise JobLost(runner.job_id)
        Resource.objects.filter(pk=resource.pk).update(
            status=Resource.Status.READY,
            output_prefix=prefix,
            poster_key=prefix + POSTER_NAME if has_poster else "",
            mp4_key=prefix + MP4_NAME if has_mp4 else "",
            duration=duration,
            updated_at=now,
        )
        transaction.on_commit(lambda: notify.processing_finished(resource.pk))
    remove_old_outputs(resource.pk, runner.storage)


def remove_old_outputs(resource_id: int, storage: Storage | None = None) -> int:
    """Delete the resource's output sets other than the published one, except those of
    jobs still running (they publish, then clean up after themselves)."""
    storage = storage or get_storage()
    current = Resource.objects.values_list("output_prefix", flat=True).get(pk=resource_id)
    running = {
        publish.job_prefix(resource_id, pk)
        for pk in ProcessingJob.objects.filter(resource_id=resource_id)
        .exclude(state__in=ProcessingJob.FINISHED)
        .values_list("pk", flat=True)
    }
    return publish.remove_other_outputs(
        storage, resource_id, current, lambda prefix: prefix not in running
    )


def fail(
    job_id: int, message: str, detail: str = "", *, worker: str | None = None, stage_seconds=None
) -> bool:
    """Mark the job failed (only if ``worker`` still holds it, when given), remove its
    partial output, and fail the resource unless an earlier set is still being served."""
    jobs = ProcessingJob.objects.filter(pk=job_id).exclude(state__in=ProcessingJob.FINISHED)
    if worker is not None:
        jobs = jobs.filter(worker=worker)
    now = timezone.now()
    fields = {
        "state": State.FAILED,
        "finished_at": now,
        "error_message": message,
        "error_detail": detail[-8000:],
    }
    if stage_seconds is not None:
        fields["stage_seconds"] = stage_seconds
    with transaction.atomic():
        if not jobs.update(**fields):
            return False
        job = ProcessingJob.objects.get(pk=job_id)
        Resource.objects.filter(pk=job.resource_id).exclude(status=Resource.Status.READY).update(
            status=Resource.Status.FAILED, updated_at=now
        )
        transaction.on_commit(lambda: notify.processing_failed(job.resource_id, message))
    get_storage().delete_prefix(publish.job_prefix(job.resource_id, job_id))
    return True


def sweep_stalled_jobs() -> dict[str, list[int]]:
    """Find unfinished jobs whose heartbeat stopped: release them for another run, or fail
    them once they used up their attempts. Returns the job ids to enqueue and the failed."""
    now = timezone.now()
    cutoff = now - stale_after()
    stalled = ProcessingJob.objects.exclude(state__in=ProcessingJob.FINISHED).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    requeue, failed = [], []
    for job in stalled.only("pk", "heartbeat_at", "worker", "attempts"):
        if job.attempts >= max_attempts():
            if fail(
                job.pk,
                _(
                    "Processing stopped several times; please upload the file again "
                    "or ask an administrator."
                ),
                f"no heartbeat since {job.heartbeat_at} after {job.attempts} attempts",
            ):
                failed.append(job.pk)
            continue
        # Conditional on what we read, so two sweepers do not both re-queue it.
        released = ProcessingJob.objects.filter(
            pk=job.pk, heartbeat_at=job.heartbeat_at, worker=job.worker
        ).update(worker="", heartbeat_at=now)
        if released:
            requeue.append(job.pk)
    return {"requeued": requeue, "failed": failed}
