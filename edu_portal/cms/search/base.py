"""The contract of a site search backend, and what every backend shares: the cache of
estimated type counts and the highlighting of the page of hits."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from html import escape

from django.conf import settings
from django.core.cache import cache

from catalog.search import highlight
from catalog.search.base import SearchUnavailable
from catalog.search.text import Term
from edu_portal.cms.search.query import Counts, SiteQuery, SiteResults
from edu_portal.cms.search.registry import Entry

__all__ = ["SearchUnavailable", "SiteBackend"]

#: Characters of the text kept for snippets (the whole text only feeds the tokens).
SNIPPET_SOURCE = 1000
#: Characters shown when no match falls in the kept text.
SNIPPET_PLAIN = 120
#: Text fed to the tokens, as the catalog caps extracted text.
MAX_TEXT = 50_000


def snippet(body: str, terms: list[Term]) -> str:
    fragments = highlight.fragments(body, terms)
    if fragments:
        return " ".join(fragments[:2])
    plain = " ".join(body.split())
    return escape(plain[:SNIPPET_PLAIN]) + ("…" if len(plain) > SNIPPET_PLAIN else "")


def title_html(title: str, terms: list[Term]) -> str:
    return (highlight.whole(title, terms, pinyin=True) or [escape(title)])[0]


def cached_counts(
    backend: SiteBackend, query: SiteQuery, terms: list[Term], count: Callable[[int], Counts]
) -> Counts:
    """Type counts from ``count(sample)``, kept for a few minutes when they are estimates:
    a very common word is asked for again and again, and its estimate hardly changes.
    Exact counts are cheap and never kept, so a new article is counted at once."""
    sample = settings.CMS_SEARCH_FACET_SAMPLE
    words = " ".join(f"{t.kind}:{t.value}" for t in terms)
    raw = f"{backend.name}|{backend.index_prefix}|{sample}|{words}|{','.join(query.visibilities)}"
    key = "cms-search-counts:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is not None:
        return Counts(dict(found), approximate=True)
    counts = count(sample)
    if counts.approximate:
        cache.set(key, counts.by_type, settings.CMS_SEARCH_COUNT_CACHE_SECONDS)
    return counts


class SiteBackend(ABC):
    name = "base"

    def __init__(self, url: str, *, index_prefix: str = "edu") -> None:
        self.url = url
        self.index_prefix = index_prefix

    @abstractmethod
    def ping(self, timeout: float = 3.0) -> None: ...

    @abstractmethod
    def setup(self) -> None:
        """Create the index if it does not exist (idempotent)."""

    @abstractmethod
    def rebuild(self) -> None:
        """Drop every entry (and the index's mapping, where there is one)."""

    @abstractmethod
    def index_entries(self, entries: Sequence[Entry]) -> None:
        """Add or replace these entries (keyed by type and object id)."""

    @abstractmethod
    def delete_entries(self, type_name: str, object_ids: Iterable[int]) -> None:
        """Remove entries; unknown ids are ignored."""

    @abstractmethod
    def indexed_ids(self, type_name: str) -> Iterator[int]:
        """Every object id of a type in the index (to drop what is stale)."""

    @abstractmethod
    def search(self, query: SiteQuery) -> SiteResults:
        """The page of hits, best first and highlighted, with the type counts."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prefix={self.index_prefix!r}>"
