"""Celery tasks of the site index: thin wrappers around ``services``; retried while the
search engine is unavailable (``rebuild_site_search`` repairs anything lost beyond)."""

from __future__ import annotations

from celery import shared_task

from catalog.search.base import SearchUnavailable
from edu_portal.cms.search import services

_RETRY = {
    "queue": "search",
    "acks_late": True,
    "autoretry_for": (SearchUnavailable,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 150,
}


@shared_task(name="cms.update_site_search", **_RETRY)
def update_site_search(keys: list[list]) -> dict[str, int]:
    """``keys``: [type, object id] pairs (JSON has no tuples)."""
    return services.update((type_name, object_id) for type_name, object_id in keys)


@shared_task(name="cms.rebuild_site_search", **_RETRY)
def rebuild_site_search() -> dict:
    return {name: list(counts) for name, counts in services.rebuild().items()}
