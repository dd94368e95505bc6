"""Resumable uploads: one object assembled from bytes appended over many requests.

A tus upload arrives as a series of PATCH requests, possibly handled by different web
processes on different hosts, and any of them may break off at any byte. The store keeps
what has arrived so far in a backend-specific form described by a small JSON-able *state*
dict, which the caller persists next to the number of bytes received (the Upload row).
Nothing here is kept in a process between requests.

One request is one :class:`AppendSession`::

    state = store.resumable_create(name, key=key, length=size, content_type=ctype)
    session = store.resumable_append(state, offset)   # offset: bytes already durable
    session.write(block)                               # as the request body streams in
    new_state = session.commit()                       # all written bytes are durable now
    # ... save (offset + session.written, new_state) with a conditional UPDATE, then:
    session.committed()                                # or session.discard() if that failed
    info = store.resumable_complete(new_state, sha256=digest)   # once offset == length

``discard()`` forgets everything written in the session: the state saved before it stays
valid, so a chunk that failed its checksum leaves no trace. Sessions write positionally
(byte ``n`` of the upload always goes to the same place), so a stale writer that lost its
lock can at worst rewrite bytes with the same bytes of the same file.

``name`` identifies the upload inside the store (the caller uses the upload's UUID); the
finished object goes to ``key``, which the caller builds, never from user input.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from edu_portal.storage.base import ObjectInfo
from edu_portal.storage.errors import InvalidKey

#: Where staging data of unfinished resumable uploads lives, in both backends. A hidden
#: segment, so ``validate_key`` never lets application keys collide with it, and apart
#: from ``.staging/`` because ``purge_staging`` removes that after a day while an upload
#: may be resumed for as long as the application allows.
RESUMABLE_PREFIX = ".resumable/"

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidKey(f"resumable upload name {name!r} must be 1-64 of [A-Za-z0-9_-]")
    return name


class AppendSession(abc.ABC):
    """Bytes appended to a resumable upload during one request.

    Use as a context manager: leaving it without ``commit()`` + ``committed()`` releases
    its resources without making anything durable (the same as a lost lock: whatever was
    written is ignored, and the next session starts again from the saved state).
    """

    def __init__(self, state: dict, offset: int) -> None:
        self.state = state
        self.start = offset  # bytes durable before this session
        self.written = 0  # bytes written by this session so far

    @property
    def position(self) -> int:
        return self.start + self.written

    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Append ``data``; may store some of it already, but nothing counts yet."""

    @abc.abstractmethod
    def commit(self) -> dict:
        """Make every written byte durable; return the state that describes them.

        The previous state stays valid until :meth:`committed` is called, so the caller
        can still fail to save the new one and :meth:`discard` instead.
        """

    def committed(self) -> None:
        """The caller saved the new state: drop what it superseded, release resources."""
        self.close()

    @abc.abstractmethod
    def discard(self) -> None:
        """Forget everything written in this session (best effort) and release resources."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources without cleaning anything up."""

    def __enter__(self) -> AppendSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(frozen=True)
class Leftover:
    """Something an abandoned resumable upload left in the store.

    ``name`` is the upload's name when the store can tell it (staging data); an S3
    multipart upload is known only by its target ``key`` and ``upload_id``.
    """

    key: str
    name: str | None
    started: datetime
    upload_id: str | None = None


class ResumableStorage(abc.ABC):
    """What a store offers for resumable uploads (mixed into the backends)."""

    @abc.abstractmethod
    def resumable_create(self, name: str, *, key: str, length: int, content_type: str) -> dict:
        """Start an upload of exactly ``length`` bytes (at least 1) that will become ``key``."""

    @abc.abstractmethod
    def resumable_append(self, state: dict, offset: int) -> AppendSession:
        """A session appending at ``offset``, the number of bytes already durable.

        Raises ObjectNotFound when the upload's staging data is gone (aborted).
        """

    @abc.abstractmethod
    def resumable_complete(self, state: dict, *, sha256: str | None) -> ObjectInfo:
        """Assemble the finished object under the state's key; all bytes must be durable.

        ``sha256`` is recorded as the object's checksum; None means "compute it" (a read
        of the whole object). Safe to call again after a failure part-way, including after
        one that already assembled the object.
        """

    @abc.abstractmethod
    def resumable_abort(self, state: dict) -> None:
        """Remove everything the upload stored, including a finished object. Idempotent."""

    @abc.abstractmethod
    def resumable_references(self, state: dict) -> set[str]:
        """The staging keys and multipart upload ids ``state`` relies on: a sweeper must
        not remove a :class:`Leftover` whose ``upload_id`` or ``key`` is among them."""

    @abc.abstractmethod
    def resumable_leftovers(self, older_than: timedelta) -> Iterator[Leftover]:
        """Staging data and multipart uploads of resumable uploads started before
        ``now - older_than``, for a sweeper to check against the uploads it knows."""

    @abc.abstractmethod
    def resumable_remove_leftover(self, leftover: Leftover) -> None:
        """Remove one leftover (idempotent)."""
