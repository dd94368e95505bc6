"""Cleaning up after uploads that were abandoned (unfinished past UPLOAD_EXPIRY_HOURS, or
complete but not made into a resource within UPLOAD_UNUSED_EXPIRY_DAYS): run hourly, safe
to run any time.

Each step claims its rows the way a request does (the upload's lease), so cleanup never
races a PATCH, and does only what is still missing: running it twice, or in two workers at
once, removes nothing twice and nothing that is still in use.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from edu_portal.storage import StorageError, get_storage
from edu_portal.storage.resumable import Leftover, ResumableStorage
from media_pipeline.models import Upload
from media_pipeline.uploads import actions

logger = logging.getLogger(__name__)

#: Expired rows answer 410 ("expired, upload again") this long, then 404.
EXPIRED_ROW_RETENTION = timedelta(days=7)

Status = Upload.Status


@dataclass
class CleanupReport:
    expired: int = 0  # unfinished uploads whose storage was freed
    unused: int = 0  # complete uploads not made into a resource in time, freed
    assembled: int = 0  # complete uploads whose assembly had failed and now worked
    forgotten: int = 0  # expired rows deleted after the retention period
    leftovers: int = 0  # staging data and multipart uploads no upload refers to
    errors: int = 0  # store failures; tried again next time

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def cleanup_expired_uploads() -> CleanupReport:
    report = CleanupReport()
    now = timezone.now()
    expired = Upload.objects.filter(status=Status.RECEIVING, expires_at__lte=now)
    for upload in expired.iterator():
        try:
            report.expired += actions.expire(upload)
        except StorageError:
            logger.warning("could not free the storage of upload %s", upload.pk, exc_info=True)
            report.errors += 1
    unused_before = now - timedelta(days=settings.UPLOAD_UNUSED_EXPIRY_DAYS)
    unused = Upload.objects.filter(status=Status.COMPLETE, completed_at__lte=unused_before)
    for upload in unused.iterator():
        try:
            report.unused += actions.expire_unused(upload)
        except StorageError:
            logger.warning("could not free the object of upload %s", upload.pk, exc_info=True)
            report.errors += 1
    for upload in Upload.objects.filter(status=Status.ASSEMBLING).iterator():
        try:
            report.assembled += actions.finish_if_assembling(upload).is_complete
        except StorageError:
            logger.warning("could not assemble upload %s", upload.pk, exc_info=True)
            report.errors += 1
    report.forgotten, _ = Upload.objects.filter(
        status=Status.EXPIRED, updated_at__lt=now - EXPIRED_ROW_RETENTION
    ).delete()
    older_than = timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)
    report.leftovers, errors = _sweep(get_storage(), older_than)
    report.errors += errors
    return report


def _sweep(store: ResumableStorage, older_than: timedelta) -> tuple[int, int]:
    """Remove what crashed or superseded requests left in the store: anything older than
    ``older_than`` (the expiry period) that no unfinished upload's saved state refers to."""
    removed = errors = 0
    try:
        leftovers = list(store.resumable_leftovers(older_than))
    except StorageError:
        logger.warning("could not list resumable leftovers", exc_info=True)
        return 0, 1
    for leftover in leftovers:
        upload_id = _upload_id_of(leftover)
        if upload_id is None:
            continue  # not one of ours
        upload = Upload.objects.filter(
            pk=upload_id, status__in=(Status.RECEIVING, Status.ASSEMBLING)
        ).first()
        if upload is not None:
            references = store.resumable_references(upload.storage_state)
            if (leftover.upload_id or leftover.key) in references:
                continue
        try:
            store.resumable_remove_leftover(leftover)
            removed += 1
        except StorageError:
            logger.warning("could not remove %s", leftover, exc_info=True)
            errors += 1
    return removed, errors


def _upload_id_of(leftover: Leftover) -> uuid.UUID | None:
    """Staging data is named by the upload's UUID; a multipart upload by its target key,
    which actions.object_key made from it."""
    if leftover.name is not None:
        candidate = leftover.name
    else:
        parts = leftover.key.split("/")
        if len(parts) != 3 or parts[0] != "uploads" or parts[2] != "source":
            return None
        candidate = parts[1]
    try:
        return uuid.UUID(candidate)
    except ValueError:
        return None
