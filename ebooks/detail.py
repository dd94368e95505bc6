"""What the resource page shows of an e-book: cover, bibliographic facts and contents.

Plain data for ``ebooks/templates/ebooks/_detail.html``, which the catalog's page includes
through ``EBookHandler.detail_context``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from catalog.models import Resource
from ebooks.models import EBook

#: Levels of the table of contents shown (chapters and their sections).
TOC_DEPTH = 2
#: Entries shown at most: a reference book's contents can run to thousands of lines.
TOC_LIMIT = 200


@dataclass
class TocEntry:
    title: str
    children: list[TocEntry] = field(default_factory=list)


def language_name(code: str) -> str:
    """The name of a BCP 47 tag in the page's language ("zh-CN" → 简体中文), or the tag."""
    tag = (code or "").strip().replace("_", "-").lower()
    if not tag:
        return ""
    primary = tag.split("-")[0]
    for candidate in (tag, primary):
        try:
            return str(get_language_info(candidate)["name_translated"])
        except KeyError:
            continue
    if primary == "zh":  # Django knows zh-hans and zh-hant but not plain "zh"
        return _("Chinese")
    return code


def _entries(items, depth: int, budget: list[int]) -> list[TocEntry]:
    out: list[TocEntry] = []
    for item in items if isinstance(items, list) else []:
        if budget[0] <= 0:
            break
        if not isinstance(item, dict):
            continue
        title = " ".join(str(item.get("title") or "").split())[:200]
        if not title:
            continue
        budget[0] -= 1
        children = []
        if depth < TOC_DEPTH:
            children = _entries(item.get("children") or [], depth + 1, budget)
        out.append(TocEntry(title, children))
    return out


def _count(items, depth: int = 1) -> int:
    total = 0
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and str(item.get("title") or "").strip():
            total += 1
            if depth < TOC_DEPTH:
                total += _count(item.get("children") or [], depth + 1)
    return total


def table_of_contents(toc) -> tuple[list[TocEntry], int]:
    """The first ``TOC_DEPTH`` levels of ``EBook.toc`` (at most ``TOC_LIMIT`` entries) and
    how many entries of those levels were left out."""
    budget = [TOC_LIMIT]
    entries = _entries(toc, 1, budget)
    return entries, max(0, _count(toc) - TOC_LIMIT)


def book_context(resource: Resource, ebook: EBook, cover_url: str | None) -> dict:
    entries, left_out = table_of_contents(ebook.toc)
    return {
        "title": resource.title,
        "cover_url": cover_url or "",
        "authors": [str(a) for a in ebook.authors if str(a).strip()]
        if isinstance(ebook.authors, list)
        else [],
        "publisher": ebook.publisher,
        "issued": ebook.issued,
        "isbn": ebook.isbn,
        "pages": ebook.page_count,
        "chapters": ebook.chapter_count,
        "language": language_name(ebook.language),
        "subjects": [str(s) for s in ebook.subjects if str(s).strip()]
        if isinstance(ebook.subjects, list)
        else [],
        "format": ebook.get_format_display(),
        "toc": entries,
        "toc_left_out": left_out,
        "read_url": reverse("reader:read", args=[resource.pk]),
    }
