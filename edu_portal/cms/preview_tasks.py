"""Celery task that builds a portal document's PDF preview: a thin wrapper around
``documents.build_preview`` (imported by the app's ``ready()`` so workers register it)."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from edu_portal.storage.errors import RETRY_ON_STORE_OUTAGE


@shared_task(
    name="cms.build_document_preview",
    queue="default",
    **RETRY_ON_STORE_OUTAGE,
    # LibreOffice has its own timeout (catalog.previews.convert); this bounds the rest.
    soft_time_limit=15 * 60,
    time_limit=15 * 60 + 60,
)
def build_document_preview(document_id: int) -> str:
    from catalog.previews.convert import ConversionError
    from edu_portal.cms import documents
    from edu_portal.cms.models.articles import DocumentPreview

    try:
        return documents.build_preview(document_id)
    except SoftTimeLimitExceeded:
        reason = str(ConversionError.MESSAGES[ConversionError.TIMED_OUT])
        DocumentPreview.objects.filter(document_id=document_id).update(
            state=DocumentPreview.State.FAILED, reason=reason
        )
        return DocumentPreview.State.FAILED
