"""Celery task that builds a resource's preview and text: a thin wrapper around services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from catalog.models import Resource
from edu_portal.storage.errors import RETRY_ON_STORE_OUTAGE

log = logging.getLogger(__name__)


@shared_task(
    name="catalog.build_preview",
    queue="default",
    **RETRY_ON_STORE_OUTAGE,
    # LibreOffice has its own timeout (convert.DEFAULT_TIMEOUT); this bounds the rest.
    soft_time_limit=15 * 60,
    time_limit=15 * 60 + 60,
)
def build_preview_task(resource_id: int, force: bool = False) -> str:
    from catalog.previews import services

    try:
        outcome = services.build_preview(resource_id, force=force)
    except SoftTimeLimitExceeded:
        Resource.objects.filter(pk=resource_id, preview_state=Resource.Preview.PENDING).update(
            preview_state=Resource.Preview.FAILED
        )
        log.warning("preview of resource %s took too long and was stopped", resource_id)
        return Resource.Preview.FAILED
    return outcome.state


def enqueue_preview(resource_id: int, *, force: bool = False) -> None:
    """Mark the preview as coming and send the task once the transaction that stored the
    original commits (a READY preview stays READY unless ``force``)."""
    from django.db import transaction

    rows = Resource.objects.filter(pk=resource_id)
    if not force:
        rows = rows.exclude(preview_state=Resource.Preview.READY)
    rows.update(preview_state=Resource.Preview.PENDING)
    transaction.on_commit(lambda: build_preview_task.delay(resource_id, force=force))
