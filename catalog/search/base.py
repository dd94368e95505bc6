"""The contract every search backend keeps.

Backends receive documents (``catalog.search.documents``), never model instances, so they
cannot drift in what they index; and answer ``SearchQuery`` with ``SearchResults`` so the
shared test suite (tests/search) runs unchanged against each of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.search.documents import Document
    from catalog.search.query import SearchQuery, SearchResults


class SearchUnavailable(Exception):
    """The search engine cannot be reached or refused to answer; ``str()`` says why."""


class SearchBackend(ABC):
    """One search engine, configured from ``SEARCH_URL`` and ``SEARCH_INDEX_PREFIX``."""

    #: Short name shown in health output and logs.
    name: str = "base"

    def __init__(self, url: str, *, index_prefix: str = "edu") -> None:
        self.url = url
        self.index_prefix = index_prefix

    @abstractmethod
    def ping(self, timeout: float = 3.0) -> None:
        """Return quietly when the engine answers; raise SearchUnavailable otherwise."""

    @abstractmethod
    def setup(self) -> None:
        """Create the index if it does not exist yet (idempotent)."""

    @abstractmethod
    def rebuild(self) -> None:
        """Drop the index and create it empty, with the current mapping."""

    @abstractmethod
    def index_documents(self, docs: Sequence[Document]) -> None:
        """Add or replace these documents (one round trip per call where possible)."""

    @abstractmethod
    def delete_documents(self, ids: Iterable[int]) -> None:
        """Remove documents by resource id; unknown ids are ignored."""

    @abstractmethod
    def indexed_ids(self) -> Iterator[int]:
        """Every resource id in the index (for ``reindex`` to remove what is stale)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run a query; raise SearchUnavailable when the engine cannot answer."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prefix={self.index_prefix!r}>"
