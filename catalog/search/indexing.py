"""Keeping the index current: call these after a resource changes.

``schedule_index`` after create, update, publish, unpublish, text extraction;
``schedule_delete`` after deletion. The work is queued once the surrounding transaction
commits, and the task rebuilds the document from the database, so it is idempotent and
always indexes the current state (an unpublished or deleted resource is removed).

A save must never fail because search is down: enqueueing errors are logged and
swallowed here, and the task retries while the engine is unavailable. ``reindex`` repairs
anything lost in between.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)


def _send(task_name: str, resource_id: int) -> None:
    from catalog.search import tasks

    task = getattr(tasks, task_name)
    try:
        task.delay(resource_id)
    except (BrokerError, OSError):
        log.exception("could not queue %s for resource %s", task_name, resource_id)


def schedule_index(resource_id: int) -> None:
    """(Re)index the resource after commit, or remove it if it is no longer searchable."""
    transaction.on_commit(lambda: _send("index_resource", resource_id), robust=True)


def schedule_delete(resource_id: int) -> None:
    """Remove the resource from the index after commit."""
    transaction.on_commit(lambda: _send("remove_from_index", resource_id), robust=True)
