"""The sweeper re-queues jobs whose worker stopped beating, and gives up after a few."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from media_pipeline.processing import services, tasks
from media_pipeline.processing.models import ProcessingJob
from tests.pipeline.conftest import make_video

pytestmark = pytest.mark.django_db


def test_stale_job_is_requeued_and_finishes(teacher, clips):
    _resource, job = make_video(teacher, clips.path("one_second"))
    long_ago = timezone.now() - timedelta(hours=1)
    ProcessingJob.objects.filter(pk=job.pk).update(
        state="transcoding", worker="dead:1", heartbeat_at=long_ago, attempts=1, percent=40
    )
    fresh, _ = make_video(teacher, clips.path("one_second"))
    ProcessingJob.objects.filter(resource=fresh).update(
        state="transcoding", worker="alive:2", heartbeat_at=timezone.now(), attempts=1
    )
    with mock.patch.object(tasks.process_job_task, "delay") as delay:
        result = tasks.sweep_stalled_jobs()
    assert result == {"requeued": [job.pk], "failed": []}
    delay.assert_called_once_with(job.pk)
    # Swept once: not again on the next minute.
    assert services.sweep_stalled_jobs() == {"requeued": [], "failed": []}
    assert services.process_job(job.pk) == "ready"
    job.refresh_from_db()
    assert job.attempts == 2 and job.percent == 100


def test_gives_up_after_max_attempts(teacher, clips, settings):
    settings.PIPELINE_MAX_ATTEMPTS = 2
    resource, job = make_video(teacher, clips.path("one_second"))
    ProcessingJob.objects.filter(pk=job.pk).update(
        state="transcoding",
        worker="dead:1",
        heartbeat_at=timezone.now() - timedelta(hours=1),
        attempts=2,
    )
    assert services.sweep_stalled_jobs() == {"requeued": [], "failed": [job.pk]}
    job.refresh_from_db()
    resource.refresh_from_db()
    assert job.state == "failed" and "several times" in job.error_message
    assert resource.status == "failed"


@pytest.mark.django_db(transaction=True)
def test_a_blocked_stage_beats_well_within_the_stale_timeout(teacher, clips, settings):
    # A stage without progress reports beats from a thread; at a 30 s beat and the
    # smallest allowed timeout (30 s), the sweeper could take a live job over between two
    # beats. The default beat is a third of the timeout (scaled down here to run quickly).
    settings.PIPELINE_STALE_SECONDS = 0.9
    _resource, job = make_video(teacher, clips.path("one_second"))
    assert services.claim(job.pk, "worker-1")
    runner = services.Runner(job.pk, "worker-1", services.get_storage())
    claimed_at = ProcessingJob.objects.get(pk=job.pk).heartbeat_at
    with runner.beating():
        time.sleep(1.0)
        assert services.sweep_stalled_jobs() == {"requeued": [], "failed": []}
    assert ProcessingJob.objects.get(pk=job.pk).heartbeat_at > claimed_at
