"""Search backends, chosen by ``settings.SEARCH_URL``.

``db://`` searches in the project's database (works on SQLite and PostgreSQL);
``http://`` or ``https://`` searches in Elasticsearch at that address. Callers use
``get_backend()`` and never import a backend class directly.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from catalog.search.base import SearchBackend, SearchUnavailable
from catalog.search.query import Hit, SearchQuery, SearchResults

__all__ = [
    "Hit",
    "SearchBackend",
    "SearchQuery",
    "SearchResults",
    "SearchUnavailable",
    "backend_class_for",
    "get_backend",
    "search",
]

_lock = threading.Lock()
_instances: dict[tuple[str, str], SearchBackend] = {}


def backend_class_for(url: str) -> type[SearchBackend]:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "db":
        from catalog.search.database import DatabaseBackend

        return DatabaseBackend
    if scheme in {"http", "https"}:
        from catalog.search.elastic import ElasticsearchBackend

        return ElasticsearchBackend
    # Only the scheme goes into the message: the URL may carry credentials.
    raise ImproperlyConfigured(
        f"SEARCH_URL must start with db://, http:// or https:// (scheme given: {scheme!r})"
    )


def get_backend() -> SearchBackend:
    """The backend for the current settings (one shared instance per URL and prefix).

    Keyed by the settings rather than cached once, so a changed ``SEARCH_URL`` (tests,
    ``override_settings``) takes effect without any reset.
    """
    key = (settings.SEARCH_URL, settings.SEARCH_INDEX_PREFIX)
    backend = _instances.get(key)
    if backend is None:
        with _lock:
            backend = _instances.get(key)
            if backend is None:
                cls = backend_class_for(key[0])
                backend = cls(key[0], index_prefix=key[1])
                _instances[key] = backend
    return backend


def reset_backends() -> None:
    """Forget the shared instances (their clients are closed by garbage collection)."""
    with _lock:
        _instances.clear()


def search(query: SearchQuery) -> SearchResults:
    """Run ``query`` on the configured backend; raises SearchUnavailable on an outage.

    Hits carry ids only: load them with ``Resource.objects.in_bulk(results.ids)`` and keep
    the hit order.
    """
    return get_backend().search(query)
