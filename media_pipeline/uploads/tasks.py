"""Celery tasks of uploads (registered through CELERY_IMPORTS; scheduled hourly in
settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="media_pipeline.uploads.tasks.cleanup_expired_uploads", queue="default")
def cleanup_expired_uploads() -> dict[str, int]:
    """Free the storage of expired uploads and sweep leftovers; see uploads.cleanup."""
    from media_pipeline.uploads.cleanup import cleanup_expired_uploads as run

    return run().as_dict()
