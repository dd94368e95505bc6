"""Celery task moving buffered viewing statistics into the database (see stats.py)."""

from __future__ import annotations

from celery import shared_task

from media_pipeline.streaming import stats


# Run by beat every STATS_FLUSH_SECONDS. Overlapping runs are harmless (the Redis flush
# takes a lock and a crashed batch is retried, not recounted), so a late one just expires.
@shared_task(name="media_pipeline.flush_view_stats", queue="default", acks_late=True)
def flush_view_stats() -> list[dict]:
    return stats.flush()
