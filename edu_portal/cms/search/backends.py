"""The site search's backend for the current settings: the same ``SEARCH_URL`` as the
catalog's (``db://`` the database, ``http(s)://`` Elasticsearch), checked by the catalog's
own ``backend_class_for`` so both read the setting by one rule."""

from __future__ import annotations

import threading

from django.conf import settings

from catalog.search import backend_class_for
from edu_portal.cms.search.base import SiteBackend

_lock = threading.Lock()
_instances: dict[tuple[str, str], SiteBackend] = {}


def _site_class(url: str) -> type[SiteBackend]:
    if backend_class_for(url).name == "elasticsearch":
        from edu_portal.cms.search.elastic import SiteElasticBackend

        return SiteElasticBackend
    from edu_portal.cms.search.database import SiteDatabaseBackend

    return SiteDatabaseBackend


def get_backend() -> SiteBackend:
    """One shared instance per URL and prefix (a changed setting takes effect at once)."""
    key = (settings.SEARCH_URL, settings.SEARCH_INDEX_PREFIX)
    backend = _instances.get(key)
    if backend is None:
        with _lock:
            backend = _instances.get(key)
            if backend is None:
                backend = _site_class(key[0])(key[0], index_prefix=key[1])
                _instances[key] = backend
    return backend
