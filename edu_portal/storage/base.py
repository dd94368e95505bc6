"""The object store interface shared by the filesystem and S3/MinIO backends.

Conventions every backend follows:

* Keys are ASCII paths like ``uploads/2024/ab12.mp4``, made by the application, never
  taken from user input (see ``validate_key``). Path segments starting with ``.`` are
  reserved for the store's own staging and metadata files.
* ``put`` streams: memory stays flat whatever the size, and the SHA-256 of the bytes is
  computed on the way through and recorded with the object, so ``stat`` can report it
  later without reading the object again.
* Byte ranges are half-open, like a Python slice: ``open(key, start, end)`` yields
  ``data[start:end]``; ``end=None`` means "to the end". (HTTP ``Range`` headers are
  inclusive; the view converts.)
"""

from __future__ import annotations

import abc
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Protocol

from edu_portal.storage.errors import InvalidKey, ObjectNotFound

MAX_KEY_LENGTH = 1024  # the S3 limit, in bytes; keys are ASCII so bytes == characters
MAX_SEGMENT_LENGTH = 200  # leaves room under NAME_MAX (255) for the filesystem's sidecars
_KEY_CHARS = re.compile(r"[A-Za-z0-9/_.=-]*", re.ASCII)
_SHA256_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII)

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def _check_path(value: str, what: str) -> None:
    if not isinstance(value, str):
        raise InvalidKey(f"{what} must be a string, not {type(value).__name__}")
    if len(value) > MAX_KEY_LENGTH:
        raise InvalidKey(f"{what} is longer than {MAX_KEY_LENGTH} characters")
    # fullmatch over an explicit whitelist also rules out backslashes, NUL, control
    # characters, spaces, '%' and every non-ASCII character in one go.
    if not _KEY_CHARS.fullmatch(value):
        raise InvalidKey(f"{what} {value!r} contains characters outside [A-Za-z0-9/_.=-]")
    if value.startswith("/"):
        raise InvalidKey(f"{what} {value!r} must not start with '/'")


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe object key, else raise InvalidKey.

    Safe means: non-empty, at most 1024 characters of ``[A-Za-z0-9/_.=-]``, no leading
    ``/``, no empty segment (``a//b``, trailing ``/``), and no segment starting with ``.``
    (which covers ``.`` and ``..`` and keeps the backends' own hidden files apart).
    """
    _check_path(key, "key")
    if not key:
        raise InvalidKey("key must not be empty")
    for segment in key.split("/"):
        if not segment:
            raise InvalidKey(f"key {key!r} has an empty path segment")
        if segment.startswith("."):
            raise InvalidKey(f"key {key!r} has a segment starting with '.'")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise InvalidKey(f"key {key!r} has a segment longer than {MAX_SEGMENT_LENGTH}")
    return key


def validate_prefix(prefix: str, *, allow_empty: bool = True) -> str:
    """Like validate_key, but a prefix may be empty (when allowed) or end with '/'."""
    _check_path(prefix, "prefix")
    if not prefix:
        if not allow_empty:
            raise InvalidKey("prefix must not be empty here")
        return prefix
    segments = prefix.split("/")
    if segments[-1] == "":
        segments.pop()
    for segment in segments:
        if not segment or segment.startswith(".") or len(segment) > MAX_SEGMENT_LENGTH:
            raise InvalidKey(f"prefix {prefix!r} has an empty, hidden or overlong segment")
    return prefix


def check_sha256(value: str | None) -> str | None:
    if value is not None and not _SHA256_HEX.fullmatch(value):
        raise ValueError("expected_sha256 must be 64 lower-case hex digits")
    return value


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows about one object.

    ``sha256`` and ``content_type`` are None in ``list()`` results (S3 listings do not
    carry user metadata); ``stat()`` always fills them, ``sha256`` being None only for an
    object written by something other than this module. ``etag`` is opaque and unquoted.
    """

    key: str
    size: int
    sha256: str | None
    content_type: str | None
    etag: str
    modified: datetime
    cache_control: str | None = None


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class HashingReader:
    """Wraps a readable stream: hashes and counts what passes through.

    ``read(n)`` returns exactly ``n`` bytes unless the stream ends (or ``limit`` is
    reached), because minio's part reader appends short reads with ``bytes +=``, which is
    quadratic in the part size when the source hands out small chunks.
    """

    def __init__(self, source: Readable, limit: int | None = None) -> None:
        self._source = source
        self._remaining = limit
        self._hash = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        if self._remaining is not None:
            size = min(size, self._remaining)
        data = self._source.read(size) if size else b""
        if data and len(data) < size:
            # Short read: gather the rest in a BytesIO, whose getvalue() hands over its
            # buffer without copying, so a part exists once in memory, not twice.
            buffer = io.BytesIO()
            buffer.write(data)
            while buffer.tell() < size:
                chunk = self._source.read(size - buffer.tell())
                if not chunk:
                    break
                buffer.write(chunk)
            data = buffer.getvalue()
            del buffer
        data = bytes(data)  # no copy for bytes; memoryview/bytearray sources get one
        self._hash.update(data)
        self.count += len(data)
        if self._remaining is not None:
            self._remaining -= len(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class ObjectStream:
    """The bytes of an object (or a range of it), read lazily.

    Iterate for chunks, or ``read(n)`` like a file. Always ``close()`` it (or use it as a
    context manager); Django's StreamingHttpResponse closes it after sending.
    """

    def __init__(
        self,
        chunks: Iterable[bytes],
        close: Callable[[], None],
        length: int,
        *,
        fileno: Callable[[], int] | None = None,
    ) -> None:
        self._chunks = iter(chunks)
        self._close = close
        self._buffer = b""
        self.length = length  # number of bytes this stream will yield
        self.closed = False
        # A stream over a local file, positioned at the range's start, offers its
        # descriptor so a WSGI server can hand the bytes to the kernel (sendfile).
        self._fileno = fileno

    def fileno(self) -> int:
        if self._fileno is None:
            raise io.UnsupportedOperation("this stream is not backed by a local file")
        return self._fileno()

    @property
    def file_backed(self) -> bool:
        return self._fileno is not None

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            buffered, self._buffer = self._buffer, b""
            yield buffered
        yield from self._chunks

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(self)
        parts = [self._buffer] if self._buffer else []
        have = len(self._buffer)
        self._buffer = b""
        while have < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        data, self._buffer = data[:size], data[size:]
        return data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"invalid byte range [{start}, {end})")


class Storage(abc.ABC):
    """One object store. Instances are thread-safe and meant to be shared."""

    #: A short name for logs and /readyz ("filesystem", "s3").
    kind = ""
    #: Whether writes and deletions are announced (``edu_portal.storage.signals``): only the
    #: platform's own store, the one ``get_storage()`` builds, sets it.
    announces = False

    @abc.abstractmethod
    def put(
        self,
        key: str,
        stream: BinaryIO | Readable,
        *,
        length: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expected_sha256: str | None = None,
        cache_control: str | None = None,
    ) -> ObjectInfo:
        """Store the bytes read from ``stream`` under ``key``, replacing any object there.

        With ``length`` exactly that many bytes are read (a shorter stream is an error);
        without it the stream is read to its end. The write is all-or-nothing: readers see
        the old object or the new one, and on any error (including ChecksumMismatch when
        ``expected_sha256`` is given and differs) nothing new is left behind.
        """

    @abc.abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> ObjectStream:
        """The bytes ``data[start:end]`` of the object (end exclusive; None = to the end).

        Raises ObjectNotFound at once, before any byte is read. A range starting at or
        beyond the end of the object yields no bytes.
        """

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with ``prefix`` (non-empty); return count."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order (plain string prefix,
        so ``hls/1`` also matches ``hls/10/...``; end it with ``/`` for a folder)."""

    @abc.abstractmethod
    def copy(self, src: str, dst: str) -> ObjectInfo:
        """Copy ``src`` to ``dst`` with its metadata (server-side where possible)."""

    @abc.abstractmethod
    def presigned_get(
        self, key: str, ttl: int, filename: str | None = None, bind: dict | None = None
    ) -> str:
        """A URL that lets its holder GET the object for ``ttl`` seconds.

        With ``filename`` the response asks the browser to save it under that name. ``bind``
        (``edu_portal.access.binding``) ties the link to an address or an account where
        the store can check it.
        """

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise StorageError (StorageUnavailable when unreachable) unless usable."""

    @abc.abstractmethod
    def purge_staging(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Remove what uploads that died mid-way left in staging; return how many."""

    # --- conveniences built on the primitives ------------------------------------------

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def get_bytes(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The whole object (or a range) in memory: only for small objects."""
        with self.open(key, start, end) as stream:
            return stream.read()

    def put_bytes(
        self, key: str, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE, **kwargs
    ) -> ObjectInfo:
        return self.put(
            key, io.BytesIO(data), length=len(data), content_type=content_type, **kwargs
        )
