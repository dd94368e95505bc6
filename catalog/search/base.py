"""The contract every search backend keeps.

Only what the site needs today is declared here: ``ping`` for the readiness probe. The
indexing and query API is added with the search issue, to this class and to every
backend at once, so the backends cannot drift apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


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

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prefix={self.index_prefix!r}>"
