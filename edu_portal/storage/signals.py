"""Signals the platform's object store sends when the platform itself changes an object.

The integrity ledger (``edu_portal.operations``, a higher layer) records what the platform
wrote so that bytes changed behind its back can be told apart from its own writes. Only
the process-wide store of ``get_storage()`` announces (``Storage.announces``): stores built
for backups, scripts or tests with ``from_url()`` or a constructor stay silent, since what
they hold is not the platform's content.

* ``object_stored``: ``storage``, ``key``, ``sha256`` (computed on the way in), ``size``.
* ``object_removed``: ``storage``, ``key`` (sent whether or not an object was there).
* ``prefix_removed``: ``storage``, ``prefix`` (after ``delete_prefix``; a backend that
  deletes key by key also sends ``object_removed`` for each).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from edu_portal.storage.base import Storage

object_stored = Signal()
object_removed = Signal()
prefix_removed = Signal()


def announce_stored(storage: Storage, key: str, sha256: str, size: int) -> None:
    if storage.announces:
        object_stored.send(type(storage), storage=storage, key=key, sha256=sha256, size=size)


def announce_removed(storage: Storage, key: str) -> None:
    if storage.announces:
        object_removed.send(type(storage), storage=storage, key=key)


def announce_prefix_removed(storage: Storage, prefix: str) -> None:
    if storage.announces:
        prefix_removed.send(type(storage), storage=storage, prefix=prefix)
