"""The catalog's Celery tasks, found by autodiscovery: previews, the search index, and
the flush of buffered download counts."""

from __future__ import annotations

from celery import shared_task

from catalog import counters
from catalog.previews.tasks import build_preview_task
from catalog.search.tasks import index_resource, remove_from_index

__all__ = ["build_preview_task", "flush_download_counts", "index_resource", "remove_from_index"]


# Run by beat every STATS_FLUSH_SECONDS; overlapping runs are harmless (see counters.py).
@shared_task(name="catalog.flush_download_counts", queue="default", acks_late=True)
def flush_download_counts() -> list[dict]:
    return counters.flush()
