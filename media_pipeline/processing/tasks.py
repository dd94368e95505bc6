"""Celery tasks of the processing pipeline: thin wrappers around services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from edu_portal.storage.errors import RETRY_ON_STORE_OUTAGE
from media_pipeline.processing import services

log = logging.getLogger(__name__)


# The ffmpeg run has its own timeout (PIPELINE_TRANSCODE_TIMEOUT); the hour on top bounds
# probing, artwork, the MP4 copy and uploading the outputs.
SOFT_TIME_LIMIT = settings.PIPELINE_TRANSCODE_TIMEOUT + 3600


@shared_task(
    name="media_pipeline.process_job",
    queue="media",
    **RETRY_ON_STORE_OUTAGE,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=SOFT_TIME_LIMIT + 300,
)
def process_job_task(job_id: int) -> str:
    try:
        return services.process_job(job_id)
    except SoftTimeLimitExceeded:
        services.fail(job_id, _("Converting the video took too long and was stopped."))
        return services.State.FAILED
    except services.JobLost:
        log.warning("job %s was taken over by another worker", job_id)
        return "lost"


@shared_task(name="media_pipeline.sweep_stalled_jobs", queue="default")
def sweep_stalled_jobs() -> dict[str, list[int]]:
    result = services.sweep_stalled_jobs()
    for job_id in result["requeued"]:
        process_job_task.delay(job_id)
    return result


def enqueue(job_id: int) -> None:
    """Send the job to the media queue once the transaction that made it commits."""
    from django.db import transaction

    transaction.on_commit(lambda: process_job_task.delay(job_id))
