"""Celery tasks of uploads (found through media_pipeline/tasks.py; scheduled hourly in
settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="media_pipeline.cleanup_expired_uploads", queue="default")
def cleanup_expired_uploads() -> dict[str, int]:
    """Free the storage of expired uploads and sweep leftovers; see uploads.cleanup."""
    from media_pipeline.uploads.cleanup import cleanup_expired_uploads as run

    return run().as_dict()
