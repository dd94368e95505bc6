"""Search in Elasticsearch, through the client that elasticsearch-dsl is built on.

The module is named ``elastic`` so that it cannot be mistaken for the ``elasticsearch``
package it imports.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from catalog.search.base import SearchBackend, SearchUnavailable


def _reason(exc: Exception) -> str:
    # TransportError.message is the underlying cause ("Failed to establish a new
    # connection: [Errno 111] Connection refused"); str() is often just "Connection error".
    message = getattr(exc, "message", None)
    if isinstance(exc, ApiError):
        return f"HTTP {exc.meta.status}: {message}"
    return str(message or exc)


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    #: Upper bound for any request made by this backend; queries pass their own.
    request_timeout = 10.0

    def __init__(self, url: str, *, index_prefix: str = "edu") -> None:
        super().__init__(url, index_prefix=index_prefix)
        # Credentials in the URL (https://user:pass@host:9200) become a Basic auth header.
        self.client = Elasticsearch(
            url,
            request_timeout=self.request_timeout,
            max_retries=0,
            retry_on_timeout=False,
        )

    def ping(self, timeout: float = 3.0) -> None:
        try:
            self.client.options(request_timeout=timeout).info()
        except (TransportError, ApiError) as exc:
            raise SearchUnavailable(f"Elasticsearch does not answer: {_reason(exc)}") from exc

    def __repr__(self) -> str:
        parts = urlsplit(self.url)
        return f"<{type(self).__name__} {parts.hostname}:{parts.port} prefix={self.index_prefix!r}>"
