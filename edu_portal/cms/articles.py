"""Actions on articles: their 索引号 and their creation (DOCX import, old site's export).

``create_article`` is the one way code makes an article: the DOCX view, ``import_articles``
and the tests call it. It checks the user's page permissions on the column (Wagtail's
permission tester), cleans the body, stores the attachments as Wagtail documents (in the
object store, ``STORAGES["default"]``), and leaves a draft, or publishes it with the dates
an import was given. Everything happens in one transaction; the stored files of a failed
attempt are removed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page

from edu_portal.accounts import audit
from edu_portal.cms.models import ArticleAttachment, ArticlePage, IndexSerial
from edu_portal.cms.richtext import clean_html

log = logging.getLogger(__name__)


class ArticleRefused(PermissionDenied):
    """The user may not create an article there; ``str()`` is a sentence for them."""


# --- 索引号 -------------------------------------------------------------------------------


# The numbering lives with its table (models/articles.py), so that ArticlePage.save can call
# it without importing the action layer; these names are the actions' interface.
next_index_number = IndexSerial.next_number
number_on_first_publication = IndexSerial.number_on_first_publication


# --- creating articles ----------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file to attach: its name as the user knows it, and its bytes."""

    name: str
    file: IO[bytes]
    title: str = ""


def _as_upload(item: Upload | File) -> Upload:
    if isinstance(item, Upload):
        return item
    return Upload(name=os.path.basename(item.name or "") or "attachment", file=item)


def _store_document(upload: Upload, user) -> object:
    Document = get_document_model()
    stem = os.path.splitext(upload.name)[0] or upload.name
    document = Document(
        title=(upload.title or stem)[:255],
        file=File(upload.file, name=upload.name),
        collection=Collection.get_first_root_node(),
        uploaded_by_user=user,
    )
    document.full_clean(exclude=["file"] if not upload.name else None)
    document._set_document_file_metadata()
    document.save()
    return document


def check_can_create(user, parent: Page) -> None:
    """Raise ArticleRefused unless ``user`` may add an article under ``parent``."""
    if not ArticlePage.can_create_at(parent.specific):
        raise ArticleRefused(
            _("Articles cannot be created under “%(page)s”.") % {"page": parent.title}
        )
    if user is None:
        return  # the platform itself (management commands)
    if not parent.permissions_for_user(user).can_add_subpage():
        raise ArticleRefused(
            _(
                "You may not add pages to the column “%(page)s”. "
                "Ask the office to grant your unit this column."
            )
            % {"page": parent.title}
        )


def slug_for(parent: Page, title: str) -> str:
    """A readable ASCII slug (pinyin of a Chinese title; Unicode slugs are off), unique
    among the column's pages."""
    from django.utils.text import slugify
    from pypinyin import lazy_pinyin

    base = slugify(" ".join(lazy_pinyin(title)))[:60].strip("-") or "article"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, suffix = base, 1
    while slug in taken:
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def create_article(
    user,
    parent: Page,
    *,
    title: str,
    body_html: str,
    attachments: Iterable[Upload | File] = (),
    published: dt.date | None = None,
    **fields,
) -> ArticlePage:
    """Create an article under the column ``parent``: a draft for ``user`` to edit, or,
    with ``published`` (imports), a live article dated that day (发布日期, first and last
    publication kept as given, never "now") with the 索引号 of that year.

    ``user`` None is the platform itself. Raises ArticleRefused (a sentence) when the user
    may not write there, ValidationError for bad fields; nothing is left behind then.
    """
    check_can_create(user, parent)
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The article needs a title."))
    stored: list[str] = []
    try:
        with audit.actor_context(user), transaction.atomic():
            page = ArticlePage(
                title=title[:255],
                slug=slug_for(parent, title),
                body=clean_html(body_html),
                owner=user,
                live=False,
                **fields,
            )
            if published is not None:
                page.published_on = published
                page.first_published_at = _midnight(published)
            for upload in map(_as_upload, attachments):
                document = _store_document(upload, user)
                stored.append(document.file.name)
                page.attachments.add(ArticleAttachment(document=document, title=document.title))
            parent.specific.add_child(instance=page)
            revision = page.save_revision(user=user, log_action=True)
            if published is not None:
                _publish_as_of(page, revision, published)
            LogEntry.objects.log_create(
                page,
                action=LogEntry.Action.CREATE,
                changes={"article": [None, f"{page.title} ({'live' if page.live else 'draft'})"]},
                force_log=True,
            )
    except BaseException:
        for name in stored:
            try:
                default_storage.delete(name)
            except Exception:  # the original error matters more
                log.warning("could not remove %s after a failed article creation", name)
        raise
    return page


def _publish_as_of(page: ArticlePage, revision, day: dt.date) -> None:
    """Publish the article as the old site did on ``day``: Wagtail's publish action, then
    its timestamps set back to that day."""
    revision.publish(user=None, log_action=True, skip_permission_checks=True)
    when = _midnight(day)
    ArticlePage.objects.filter(pk=page.pk).update(first_published_at=when, last_published_at=when)
    type(revision).objects.filter(pk=revision.pk).update(created_at=when)
    page.refresh_from_db()
