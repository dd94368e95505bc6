"""The canonical content of a published page, and its digest.

What a visitor is served is the live page's field values (and its child rows: an
article's attachments), so that is what is digested: Wagtail's own serialisation of a
page (``serializable_data()``, the same one a revision stores), as JSON with sorted keys.

Left out are the fields Wagtail and the platform change without anyone editing the page:
its place in the tree (``path``, ``depth``, ``numchild``, ``url_path``: a move or a new
child page changes them), the revision bookkeeping (``latest_revision``, ``live_revision``,
``draft_title``, ``has_unpublished_changes``, the publication timestamps, which the
platform's importer and demo back-date with a plain UPDATE), locking, scheduling
(``go_live_at``, ``expire_at``, ``expired``), ``owner``, ``live`` itself, translation
bookkeeping, editors' comments, an imported article's ``import_key`` and the child rows'
own ids. A new draft
leaves the live fields alone, so it is not a change either. Everything that is rendered
(title, slug, body, summary, the 索引号, dates written and published, attachments…) is in.
"""

from __future__ import annotations

import hashlib
import json

from modelcluster.models import get_all_child_relations
from wagtail.models import Page

BOOKKEEPING = frozenset(
    {
        "path",
        "depth",
        "numchild",
        "url_path",
        "translation_key",
        "locale",
        "latest_revision",
        "live",
        "has_unpublished_changes",
        "first_published_at",
        "last_published_at",
        "latest_revision_created_at",
        "live_revision",
        "go_live_at",
        "expire_at",
        "expired",
        "locked",
        "locked_at",
        "locked_by",
        "draft_title",
        "content_type",
        "owner",
        "alias_of",
        "page_ptr",
        "comments",
        "wagtail_admin_comments",
        "import_key",
    }
)


def page_content(page: Page) -> dict:
    """The served fields of ``page`` (a specific page, live or ``revision.as_object()``)."""
    data = page.serializable_data()
    content = {name: value for name, value in data.items() if name not in BOOKKEEPING}
    for relation in get_all_child_relations(type(page)):
        rows = content.get(relation.name)
        if isinstance(rows, list):
            # A child row's own id is bookkeeping: a revision holds none for rows added in
            # it, the live rows get theirs when the revision is published.
            content[relation.name] = [
                {name: value for name, value in row.items() if name not in ("pk", "id")}
                for row in rows
            ]
    return content


def page_digest(page: Page) -> str:
    canonical = json.dumps(
        page_content(page), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
