"""Celery tasks of the search index: thin wrappers around ``services``."""

from __future__ import annotations

from celery import shared_task

from catalog.search import services
from catalog.search.base import SearchUnavailable

_RETRY = {
    "queue": "search",
    "acks_late": True,
    "autoretry_for": (SearchUnavailable,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    # About a day of retries: an index left stale longer is fixed by `reindex`.
    "max_retries": 150,
}


@shared_task(name="catalog.index_resource", **_RETRY)
def index_resource(resource_id: int) -> str:
    return services.update(resource_id)


@shared_task(name="catalog.remove_from_index", **_RETRY)
def remove_from_index(resource_id: int) -> str:
    services.remove(resource_id)
    return "deleted"
