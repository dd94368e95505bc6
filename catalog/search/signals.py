"""Keeping the index current from one place: receivers of the models' signals.

Whatever changes a resource (its row, its tags, its extracted text, a review transition),
the index is asked once per transaction and resource to refresh it after commit; the task
reads the current state, so a resource that is no longer searchable is removed. Callers
never index by hand. Review transitions write with conditional UPDATEs, which send no
signal: the catalog's workflow policy reports them here (``after_transition``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.models import Resource, ResourceText
from catalog.search import indexing
from edu_portal.workflow.models import State

# Resource fields that never reach the search document: saving only these needs no refresh.
_NOT_INDEXED = frozenset(
    {
        "status",
        "preview_state",
        "output_prefix",
        "poster_key",
        "mp4_key",
        "duration",
        "view_count",
        "updated_at",
        "review_comment",
        "submitted_at",
    }
)


class _Requested:
    """The resources already asked for in the current atomic block. Registered as a no-op
    on-commit callback: while it is still queued and the savepoints are the same, the
    block it belongs to is open (a rolled-back savepoint drops it from the queue)."""

    def __init__(self, savepoints: tuple[str, ...]) -> None:
        self.savepoints = savepoints
        self.ids: set[int] = set()

    def __call__(self) -> None:
        pass


def request_index(resource_id: int) -> None:
    """Ask for a refresh after commit, once per transaction (a save of the row, its tags
    and its text in one transaction is one task)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        requested = getattr(connection, "_search_requested", None)
        # Blocks opened with savepoint=False (m2m writes) belong to the enclosing one.
        savepoints = tuple(sid for sid in connection.savepoint_ids if sid is not None)
        if (
            requested is None
            or requested.savepoints != savepoints
            or not any(item[1] is requested for item in connection.run_on_commit)
        ):
            requested = connection._search_requested = _Requested(savepoints)
            transaction.on_commit(requested)
        if resource_id in requested.ids:
            return
        requested.ids.add(resource_id)
    indexing.schedule_index(resource_id)


def _resource_saved(sender, instance: Resource, created: bool, update_fields=None, **kwargs):
    if kwargs.get("raw"):
        return  # fixtures: `reindex` builds the index afterwards
    if created and (instance.state != State.PUBLISHED or instance.deleted_at is not None):
        return  # a new draft is in no index yet
    if update_fields is not None and set(update_fields) <= _NOT_INDEXED:
        return
    request_index(instance.pk)


def _resource_deleted(sender, instance: Resource, **kwargs):
    indexing.schedule_delete(instance.pk)


def _text_saved(sender, instance: ResourceText, **kwargs):
    if not kwargs.get("raw"):
        request_index(instance.resource_id)


def _tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # a tag's resources changed
        for pk in pk_set or ():
            request_index(pk)
    else:
        request_index(instance.pk)


def connect() -> None:
    uid = "catalog.search.signals"
    post_save.connect(_resource_saved, sender=Resource, dispatch_uid=f"{uid}.saved")
    post_delete.connect(_resource_deleted, sender=Resource, dispatch_uid=f"{uid}.deleted")
    post_save.connect(_text_saved, sender=ResourceText, dispatch_uid=f"{uid}.text")
    m2m_changed.connect(_tags_changed, sender=Resource.tags.through, dispatch_uid=f"{uid}.tags")
