"""The search backend is chosen from SEARCH_URL and reports outages as SearchUnavailable."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from catalog.search import SearchBackend, SearchUnavailable, backend_class_for, get_backend
from catalog.search.database import DatabaseBackend
from catalog.search.elastic import ElasticsearchBackend


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_backend_for_db_url(settings):
    settings.SEARCH_URL = "db://"
    assert isinstance(get_backend(), DatabaseBackend)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9200", "https://user:pw@es.example:9243"])
def test_elasticsearch_backend_for_http_urls(settings, url):
    settings.SEARCH_URL = url
    backend = get_backend()
    assert isinstance(backend, ElasticsearchBackend)
    assert "pw" not in repr(backend)


def test_backend_follows_settings_and_is_shared(settings):
    settings.SEARCH_URL = "http://127.0.0.1:9200"
    settings.SEARCH_INDEX_PREFIX = "county"
    first = get_backend()
    assert get_backend() is first
    assert first.index_prefix == "county"
    settings.SEARCH_URL = "db://"
    assert isinstance(get_backend(), DatabaseBackend)


def test_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="solr"):
        backend_class_for("solr://localhost:8983")


def test_base_class_cannot_be_used_alone():
    with pytest.raises(TypeError):
        SearchBackend("db://")  # type: ignore[abstract]


@pytest.mark.django_db
def test_database_backend_ping():
    DatabaseBackend("db://").ping()


def test_elasticsearch_ping_fails_fast_on_a_closed_port():
    backend = ElasticsearchBackend(f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    with pytest.raises(SearchUnavailable, match="Elasticsearch does not answer"):
        backend.ping(timeout=1)
    assert time.monotonic() - started < 2


class _FakeServer:
    """An HTTP server on localhost answering every GET with one canned response."""

    def __init__(self, status: int, body: dict, headers: dict[str, str]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server():
    servers: list[_FakeServer] = []

    def start(status: int, body: dict, headers: dict[str, str] | None = None) -> str:
        server = _FakeServer(status, body, headers or {})
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.close()


ES_HEADERS = {"X-Elastic-Product": "Elasticsearch"}
ES_INFO = {"name": "n1", "cluster_name": "c", "version": {"number": "8.19.0"}, "tagline": "x"}


def test_elasticsearch_ping_ok(fake_server):
    ElasticsearchBackend(fake_server(200, ES_INFO, ES_HEADERS)).ping(timeout=2)


def test_elasticsearch_ping_reports_refused_credentials(fake_server):
    url = fake_server(401, {"error": "unauthorized", "status": 401}, ES_HEADERS)
    with pytest.raises(SearchUnavailable, match="HTTP 401"):
        ElasticsearchBackend(url).ping(timeout=2)


def test_elasticsearch_ping_refuses_a_server_that_is_not_elasticsearch(fake_server):
    url = fake_server(200, {"hello": "world"})
    with pytest.raises(SearchUnavailable):
        ElasticsearchBackend(url).ping(timeout=2)
