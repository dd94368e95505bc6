"""The built-in searchable types: the portal's pages (articles, service guides, other
pages) and the catalog's resources and e-books.

Resources and e-books are copied into the site index (their entry is the catalog's own
search document, ``catalog.search.documents``) rather than searched in the catalog's index
and merged: one index answers one query with one ranking, one page of hits and one set of
type counts, which is what keeps a two-character query over 200,000 rows within the
benchmark's budget; two indexes would each have to rank and count before a merge.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

from django.db.models import CharField, TextField
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.rich_text import get_text_for_indexing

from edu_portal.cms.models import ArticlePage, DepartmentPage, ServiceGuidePage
from edu_portal.cms.search.registry import Entry, register

#: Page fields never searched: identifiers and settings, not content.
_NOT_TEXT = frozenset({"hostname", "import_key", "kind", "default_category", "validity"})


# --- pages -------------------------------------------------------------------------------------


def page_type(page: Page) -> str:
    """The search type of a page (of its specific class)."""
    cls = page.specific_class or type(page)
    if issubclass(cls, ArticlePage):
        return "article"
    if issubclass(cls, ServiceGuidePage):
        return "guide"
    return "page"


def _page_text(page: Page) -> str:
    """Every text field the page's own class adds to Page (rich text as plain text)."""
    parts = []
    own = {f.name for f in Page._meta.concrete_fields}
    for field in type(page)._meta.concrete_fields:
        if field.name in own or field.name in _NOT_TEXT or field.name.endswith("_ptr"):
            continue
        if isinstance(field, TextField | CharField):
            value = getattr(page, field.attname) or ""
            parts.append(get_text_for_indexing(value) if "<" in value else value)
    if isinstance(page, DepartmentPage):
        # The department's facts live on its org unit (typed once, in the org tree).
        unit = page.unit
        parts += [unit.name, unit.duties, unit.address, unit.phone, unit.head]
    return "\n".join(p for p in parts if p)


def _published(page: Page) -> datetime | None:
    published_on = getattr(page, "published_on", None)
    if published_on:
        return timezone.make_aware(datetime.combine(published_on, time(12)))
    return page.first_published_at or page.last_published_at


def _visibility(page: Page) -> str | None:
    """ "public", "login" (any signed-in person may see it), or None: behind a password or
    a group, which the search cannot check, so it is not indexed at all."""
    kinds = {r.restriction_type for r in page.get_view_restrictions()}
    if not kinds:
        return "public"
    if kinds == {PageViewRestriction.LOGIN}:
        return "login"
    return None


class PageProvider:
    """Live pages of one search type, reachable on a site, not behind a password or a
    group restriction."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def _entry(self, page: Page, site: Site | None) -> Entry | None:
        if not page.live or page.depth < 2 or page_type(page) != self.type_name:
            return None
        visibility = _visibility(page)
        url = page.get_url(current_site=site) if visibility else None
        if not url:
            return None
        return Entry(
            type=self.type_name,
            object_id=page.pk,
            title=page.title,
            text="\n".join(p for p in (page.search_description, _page_text(page)) if p),
            url=url,
            published=_published(page),
            visibility=visibility,
        )

    def entry_for(self, object_id: int) -> Entry | None:
        page = Page.objects.filter(pk=object_id).first()
        if page is None:
            return None
        return self._entry(page.specific, Site.objects.filter(is_default_site=True).first())

    def iter_entries(self, batch_size: int = 500) -> Iterator[list[Entry]]:
        site = Site.objects.filter(is_default_site=True).first()
        pages = Page.objects.live().filter(depth__gte=2).order_by("pk")
        last = 0
        while True:
            batch = list(pages.filter(pk__gt=last)[:batch_size].specific())
            if not batch:
                return
            entries = [self._entry(page, site) for page in batch]
            yield [e for e in entries if e is not None]
            last = batch[-1].pk


# --- resources and e-books -----------------------------------------------------------------------


class ResourceProvider:
    """Published, not deleted catalog resources (``ebooks=False``) or e-books (``True``),
    with the visibility the catalog gives them."""

    def __init__(self, type_name: str, *, ebooks: bool) -> None:
        self.type_name = type_name
        self.ebooks = ebooks

    def _entry(self, doc, readable: bool) -> Entry | None:
        if (doc["kind"] == "ebook") != self.ebooks:
            return None
        # An e-book that has been read in opens in the reader; anything else on its page.
        name = "reader:read" if readable else "catalog:detail"
        return Entry(
            type=self.type_name,
            object_id=doc["id"],
            title=doc["title"],
            text="\n".join(p for p in (doc["description"], doc["text"], *doc["tags"]) if p),
            url=reverse(name, args=[doc["id"]]),
            published=doc["published_at"],
            visibility=doc["visibility"],
        )

    def _readable(self, ids: list[int]) -> set[int]:
        from ebooks.models import EBook

        if not self.ebooks:
            return set()
        return set(EBook.objects.filter(resource_id__in=ids).values_list("resource_id", flat=True))

    def entry_for(self, object_id: int) -> Entry | None:
        from catalog.search.documents import document_for

        doc = document_for(object_id)
        if doc is None:
            return None
        return self._entry(doc, object_id in self._readable([object_id]))

    def iter_entries(self, batch_size: int = 500) -> Iterator[list[Entry]]:
        from catalog.models import Resource
        from catalog.search.documents import iter_documents, searchable

        ebook = Resource.Kind.EBOOK
        qs = searchable().filter(kind=ebook) if self.ebooks else searchable().exclude(kind=ebook)
        for docs in iter_documents(qs, batch_size=batch_size):
            readable = self._readable([d["id"] for d in docs])
            entries = [self._entry(doc, doc["id"] in readable) for doc in docs]
            yield [e for e in entries if e is not None]


def register_defaults() -> None:
    register("article", _("Articles"), PageProvider("article"))
    register("guide", _("Service guides"), PageProvider("guide"))
    register("page", _("Portal pages"), PageProvider("page"))
    register("resource", _("Teaching resources"), ResourceProvider("resource", ebooks=False))
    register("ebook", _("E-books"), ResourceProvider("ebook", ebooks=True))
