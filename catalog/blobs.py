"""Files stored once by content: the Blob rows and their objects in the store.

Every way a file enters the catalog (an upload, the bulk importer, e-book ingest,
previews, the demo) goes through these helpers, so identical bytes are one object at
``blobs/ab/cd/<sha256>`` however they arrived.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from pathlib import Path

from django.db import IntegrityError, transaction

from catalog.models import Blob
from edu_portal.storage import get_storage

log = logging.getLogger(__name__)


def blob_row(sha256: str, size: int, content_type: str) -> Blob:
    """The Blob row for stored bytes, created if missing (safe against a concurrent import
    of the same file)."""
    try:
        with transaction.atomic():
            blob, _created = Blob.objects.get_or_create(
                sha256=sha256,
                defaults={"size": size, "content_type": content_type, "key": Blob.key_for(sha256)},
            )
    except IntegrityError:
        blob = Blob.objects.get(sha256=sha256)
    return blob


def blob_from_object(src_key: str, *, sha256: str, size: int, content_type: str) -> Blob:
    """The Blob for an object already in the store (an upload): copied server-side to its
    content address unless an identical file is stored already."""
    storage = get_storage()
    key = Blob.key_for(sha256)
    if not storage.exists(key):
        storage.copy(src_key, key)
    return blob_row(sha256, size, content_type)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def blob_from_file(
    path: Path,
    *,
    content_type: str = "",
    sha256: str | None = None,
    written: list[str] | None = None,
) -> Blob:
    """The Blob for a local file; uploaded only if new, and then its key appended to
    ``written`` (so a failed transaction can remove it with :func:`remove_written`).
    ``put`` verifies the SHA-256, so a file changing under us is refused, not stored."""
    sha256 = sha256 or sha256_of(path)
    content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    storage = get_storage()
    key = Blob.key_for(sha256)
    size = path.stat().st_size
    if not storage.exists(key):
        with path.open("rb") as handle:
            storage.put(key, handle, length=size, content_type=content_type, expected_sha256=sha256)
        if written is not None:
            written.append(key)
    return blob_row(sha256, size, content_type)


def blob_from_bytes(data: bytes, *, content_type: str, written: list[str] | None = None) -> Blob:
    """The Blob for bytes in memory (covers, thumbnails); uploaded only if new, and then
    its key appended to ``written``, as :func:`blob_from_file` does."""
    sha256 = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    key = Blob.key_for(sha256)
    if not storage.exists(key):
        storage.put_bytes(key, data, content_type=content_type, expected_sha256=sha256)
        if written is not None:
            written.append(key)
    return blob_row(sha256, len(data), content_type)


def remove_written(keys: list[str]) -> None:
    """Delete objects a failed call stored (only those: others may share them by now)."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # a leftover object is harmless; the original error matters
            log.warning("could not remove %s after a failed write", key, exc_info=True)
