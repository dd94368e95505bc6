"""Building a portal document's PDF preview: the Celery task and its body (imported by the
app's ``ready()`` so workers register it; ``documents.request_preview`` queues it)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model

from edu_portal.cms.models.articles import DocumentPreview
from edu_portal.storage import get_storage, validate_key
from edu_portal.storage.errors import RETRY_ON_STORE_OUTAGE

log = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
PREVIEW_PREFIX = "cms/previews/"


def preview_key(document) -> str:
    return validate_key(f"{PREVIEW_PREFIX}{document.pk}/{document.file_hash or 'nohash'}.pdf")


def build_preview(document_id: int) -> str:
    """Convert the document's file to PDF and store it (the Celery task's body). Running it
    twice is harmless: a READY preview of the same file is left alone."""
    from catalog.previews.convert import ConversionError, convert_to_pdf, private_workdir

    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None:
        return "gone"
    preview = DocumentPreview.objects.filter(document=document).first()
    if preview is None or preview.source_hash != document.file_hash:
        return "stale"
    if preview.state == DocumentPreview.State.READY:
        return preview.state
    ext = document.file_extension.lower()
    key = preview_key(document)
    with private_workdir("edu-cms-preview-") as tmp:
        source = Path(tmp) / f"original.{ext}"
        try:
            with document.file.open("rb") as stored, source.open("wb") as out:
                shutil.copyfileobj(stored, out, 1024 * 1024)
        except FileNotFoundError:
            return _finish(preview, DocumentPreview.State.FAILED, reason=_("The file is missing."))
        try:
            outdir = Path(tmp) / "convert"
            outdir.mkdir()
            pdf = convert_to_pdf(source, ext, outdir)
        except ConversionError as exc:
            log.warning("preview of document %s failed: %s", document_id, exc.detail[-300:])
            return _finish(preview, DocumentPreview.State.FAILED, reason=str(exc.reason))
        with pdf.open("rb") as handle:
            get_storage().put(key, handle, length=os.path.getsize(pdf), content_type=PDF_TYPE)
    return _finish(preview, DocumentPreview.State.READY, key=key)


def _finish(preview: DocumentPreview, state: str, *, key: str = "", reason: str = "") -> str:
    # Only the run for the same file may finish it (the file may have been replaced since).
    DocumentPreview.objects.filter(pk=preview.pk, source_hash=preview.source_hash).update(
        state=state, key=key, reason=reason[:300]
    )
    return state


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
    from edu_portal.cms.models.articles import DocumentPreview

    try:
        return build_preview(document_id)
    except SoftTimeLimitExceeded:
        reason = str(ConversionError.MESSAGES[ConversionError.TIMED_OUT])
        DocumentPreview.objects.filter(document_id=document_id).update(
            state=DocumentPreview.State.FAILED, reason=reason
        )
        return DocumentPreview.State.FAILED
