"""One site search over the portal's pages, the catalog's resources and e-books, and any
type another app registers (:func:`register`).

Callers use :func:`search` with a :class:`SiteQuery`; the backend follows ``SEARCH_URL``
like the catalog's (database or Elasticsearch), with the catalog's Chinese tokens
(unigrams, bigrams, pinyin) and highlighting. The index is kept current by signals
(``signals.connect``, from ``CmsConfig.ready``) through Celery tasks, and rebuilt by
``manage.py rebuild_site_search``.
"""

from __future__ import annotations

from catalog.search.base import SearchUnavailable
from edu_portal.cms.search.query import Counts, SiteHit, SiteQuery, SiteResults
from edu_portal.cms.search.registry import Entry, Provider, SearchType, register, types

__all__ = [
    "Counts",
    "Entry",
    "Provider",
    "SearchType",
    "SearchUnavailable",
    "SiteHit",
    "SiteQuery",
    "SiteResults",
    "register",
    "search",
    "types",
]


def search(query: SiteQuery) -> SiteResults:
    """Run ``query``; raises SearchUnavailable when the engine cannot answer."""
    from edu_portal.cms.search.backends import get_backend

    return get_backend().search(query)
