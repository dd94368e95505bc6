"""Errors raised by the object store, whatever the backend.

Callers never see ``minio.error.S3Error``, urllib3 exceptions or ``OSError`` from the
storage layer: each backend translates them into these, so code above can tell "retry
later" (StorageUnavailable) from "this will never work" (everything else).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class: the store could not do what was asked."""


class ObjectNotFound(StorageError):
    """No object under that key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"object not found: {key}")
        self.key = key


class StorageUnavailable(StorageError):
    """The store could not be reached or answered with a server error.

    Transient: the same request may succeed later, so Celery tasks retry on this one.
    """


class ChecksumMismatch(StorageError):
    """The uploaded bytes do not hash to the SHA-256 the caller expected."""

    def __init__(self, key: str, expected: str, actual: str) -> None:
        super().__init__(f"checksum mismatch for {key}: expected {expected}, got {actual}")
        self.key = key
        self.expected = expected
        self.actual = actual


class InvalidKey(StorageError, ValueError):
    """The key (or prefix) is not a safe object key."""


# Celery options for tasks whose only expected transient failure is the object store: it
# comes back, so retry with growing pauses; anything else is a real failure, not retried.
RETRY_ON_STORE_OUTAGE = {
    "acks_late": True,
    "autoretry_for": (StorageUnavailable,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}
