"""Celery task that ingests an e-book uploaded through the upload page."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from edu_portal.storage.errors import RETRY_ON_STORE_OUTAGE


@shared_task(
    name="ebooks.ingest_resource",
    queue="default",
    **RETRY_ON_STORE_OUTAGE,
    soft_time_limit=10 * 60,
    time_limit=10 * 60 + 60,
)
def ingest_resource_task(resource_id: int) -> str:
    from ebooks.ingest import ingest_resource

    return ingest_resource(resource_id)


def enqueue_ingest(resource_id: int) -> None:
    """Send the ingest task once the transaction that stored the original commits."""
    transaction.on_commit(lambda: ingest_resource_task.delay(resource_id))
