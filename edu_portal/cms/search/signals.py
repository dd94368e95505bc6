"""Keeping the site index current from one place: receivers of Wagtail's and the catalog's
signals ask for an update after commit; the task reads the current state, so a page that
was unpublished, deleted or put behind a password is removed, and one that was published
or moved is (re)indexed with its new URL. A save never fails because search is down:
queueing errors are logged and swallowed, and ``rebuild_site_search`` repairs the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from kombu.exceptions import OperationalError as BrokerError
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from edu_portal.cms.search import tasks
from edu_portal.cms.search.providers import page_type

log = logging.getLogger(__name__)

#: Resource fields that reach the site index; saving only others needs no update.
_RESOURCE_FIELDS = frozenset(
    {"title", "description", "kind", "visibility", "state", "deleted_at", "published_at"}
)
_RESOURCE_TYPES = ("resource", "ebook")


def _send(keys: list[list]) -> None:
    try:
        tasks.update_site_search.delay(keys)
    except (BrokerError, OSError):
        log.exception("could not queue a site search update for %s", keys[:5])


def request_update(keys: Iterable[tuple[str, int]]) -> None:
    """Update these (type, object id) entries once the current transaction commits."""
    payload = [[type_name, int(object_id)] for type_name, object_id in keys]
    if payload:
        transaction.on_commit(lambda: _send(payload), robust=True)


# --- pages -------------------------------------------------------------------------------------


def _page_changed(sender, instance: Page, **kwargs) -> None:
    request_update([(page_type(instance), instance.pk)])


def _subtree_changed(page: Page) -> None:
    """A move, a new slug or a changed view restriction changes the URL or the privacy of
    the page and everything below it."""
    pages = Page.objects.descendant_of(page, inclusive=True).live()
    request_update((page_type(p), p.pk) for p in pages.only("id", "content_type_id").iterator())


def _page_moved(sender, instance: Page, **kwargs) -> None:
    _subtree_changed(instance)


def _page_deleted(sender, instance, **kwargs) -> None:
    if type(instance) is Page:
        # Once per page (the base row), whatever its specific class.
        request_update([(page_type(instance), instance.pk)])


def _restriction_changed(sender, instance: PageViewRestriction, **kwargs) -> None:
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        _subtree_changed(page)


# --- resources and e-books ----------------------------------------------------------------------


def _resource_keys(resource_id: int) -> list[tuple[str, int]]:
    # A resource is either kind; the provider of the other type removes any stale entry.
    return [(type_name, resource_id) for type_name in _RESOURCE_TYPES]


def _resource_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    if created and instance.state != "published":
        return  # a new draft is in no index
    if update_fields is not None and not set(update_fields) & _RESOURCE_FIELDS:
        return
    request_update(_resource_keys(instance.pk))


def _resource_deleted(sender, instance, **kwargs) -> None:
    request_update(_resource_keys(instance.pk))


def _resource_related(sender, instance, **kwargs) -> None:
    """Its extracted text, or its e-book record (the reader's URL), changed."""
    if not kwargs.get("raw"):
        request_update(_resource_keys(instance.resource_id))


def _tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = (pk_set or ()) if reverse else [instance.pk]
    request_update(key for pk in ids for key in _resource_keys(pk))


def _transitioned(sender, instance, **kwargs) -> None:
    # Review transitions write with conditional UPDATEs (no post_save): published,
    # withdrawn or taken down, the workflow says so here, after commit.
    request_update(_resource_keys(instance.pk))


def connect() -> None:
    from catalog.models import Resource, ResourceText
    from ebooks.models import EBook
    from edu_portal.workflow.signals import transitioned

    uid = "cms.search"
    page_published.connect(_page_changed, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(_page_changed, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(_page_moved, dispatch_uid=f"{uid}.moved")
    page_slug_changed.connect(_page_moved, dispatch_uid=f"{uid}.slug")
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid=f"{uid}.page_deleted")
    for signal in (post_save, post_delete):
        signal.connect(
            _restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"{uid}.restriction.{signal is post_save}",
        )
    post_save.connect(_resource_saved, sender=Resource, dispatch_uid=f"{uid}.resource")
    post_delete.connect(_resource_deleted, sender=Resource, dispatch_uid=f"{uid}.resource_del")
    post_save.connect(_resource_related, sender=ResourceText, dispatch_uid=f"{uid}.text")
    post_save.connect(_resource_related, sender=EBook, dispatch_uid=f"{uid}.ebook")
    m2m_changed.connect(_tags_changed, sender=Resource.tags.through, dispatch_uid=f"{uid}.tags")
    transitioned.connect(_transitioned, sender=Resource, dispatch_uid=f"{uid}.transitioned")
