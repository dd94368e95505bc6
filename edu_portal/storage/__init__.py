"""Object storage: one interface, a filesystem and an S3/MinIO implementation.

``get_storage()`` is the process-wide store configured by ``OBJECT_STORE_URL``;
``from_url()`` builds one without Django settings (for subprocesses and scripts)::

    file:///srv/edu/var/objects
    s3://ACCESS:SECRET@minio.example:9000/edu?secure=false&region=us-east-1
    minio://...   (same as s3://)
"""

from __future__ import annotations

import functools
from urllib.parse import unquote, urlsplit

from django.core.signals import setting_changed
from django.dispatch import receiver

from edu_portal.storage.base import (
    ObjectInfo,
    ObjectStream,
    Storage,
    validate_key,
    validate_prefix,
)
from edu_portal.storage.errors import (
    ChecksumMismatch,
    InvalidKey,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from edu_portal.storage.fs import FilesystemStorage
from edu_portal.storage.s3 import MinioStorage

__all__ = [
    "ChecksumMismatch",
    "FilesystemStorage",
    "InvalidKey",
    "MinioStorage",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStream",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "from_url",
    "get_storage",
    "reset_storage",
    "validate_key",
    "validate_prefix",
]


def from_url(url: str, *, timeout: float = 30, retries: int = 3) -> Storage:
    """Build a store from an ``OBJECT_STORE_URL``-style URL."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise ValueError("file:// object store URL needs an absolute path: file:///srv/x")
        return FilesystemStorage(path)
    if scheme in ("s3", "minio"):
        return MinioStorage.from_url(url, timeout=timeout, retries=retries)
    raise ValueError(f"unsupported object store URL scheme {scheme!r}")


@functools.cache
def get_storage() -> Storage:
    """The store named by settings, built once per process (clients pool connections)."""
    from django.conf import settings

    store = from_url(
        settings.OBJECT_STORE_URL,
        timeout=settings.OBJECT_STORE_TIMEOUT,
        retries=settings.OBJECT_STORE_RETRIES,
    )
    # The platform's content: its writes are announced (storage.signals) to the ledger.
    store.announces = True
    return store


def reset_storage() -> None:
    """Forget the cached store, so the next get_storage() reads settings again."""
    get_storage.cache_clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    # Tests that override OBJECT_STORE_* get a store built from their values.
    if setting.startswith("OBJECT_STORE_"):
        reset_storage()
