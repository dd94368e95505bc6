"""Unreachable and failing stores, URL parsing, and the cached process-wide store."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from edu_portal.storage import (
    FilesystemStorage,
    MinioStorage,
    StorageError,
    StorageUnavailable,
    from_url,
    get_storage,
)
from tests.storage.conftest import free_port


def test_ping_against_closed_port_is_unavailable_and_fast():
    store = from_url(f"s3://k:s@127.0.0.1:{free_port()}/bucket?secure=false", timeout=1, retries=0)
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store.ping()
    with pytest.raises(StorageUnavailable):
        store.stat("a/b")
    with pytest.raises(StorageUnavailable):
        store.put_bytes("a/b", b"x")
    assert time.monotonic() - started < 5


def test_filesystem_ping_fails_when_root_is_unusable(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"")
    with pytest.raises(StorageError):
        FilesystemStorage(blocker / "objects").ping()
    FilesystemStorage(tmp_path / "objects").ping()
    assert (tmp_path / "objects").is_dir()


class _Failing(http.server.BaseHTTPRequestHandler):
    """Answers every request with 503, counting them: a store that is overloaded."""

    hits = 0

    def _fail(self) -> None:
        type(self).hits += 1
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_PUT = do_POST = _fail

    def log_message(self, *args) -> None:
        pass


def test_server_errors_are_retried_then_reported_as_unavailable():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        store = from_url(f"s3://k:s@127.0.0.1:{port}/bucket?secure=false", timeout=2, retries=2)
        _Failing.hits = 0
        with pytest.raises(StorageUnavailable):
            store.stat("a/b")  # HEAD is idempotent: first try + 2 retries
        assert _Failing.hits == 3
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "s3://AK:S%2Fk@minio.local:9000/edu?secure=false&region=cn-north-1",
            ("minio.local:9000", "edu", "AK", "S/k", False, "cn-north-1"),
        ),
        ("minio://a:b@10.0.0.5/media", ("10.0.0.5", "media", "a", "b", True, "us-east-1")),
    ],
)
def test_s3_url_parsing(url, expected):
    store = from_url(url)
    assert isinstance(store, MinioStorage)
    endpoint, bucket, access, secret, secure, region = expected
    assert (store.endpoint, store.bucket) == (endpoint, bucket)
    creds = store.client._provider.retrieve()
    assert (creds.access_key, creds.secret_key) == (access, secret)
    assert store.client._base_url.is_https is secure
    assert store.client._base_url.region == region


@pytest.mark.parametrize(
    "url",
    [
        "s3://a:b@host:9000/",  # no bucket
        "s3://a:b@host:9000/one/two",  # not one bucket
        "s3://a:b@host/bucket?secure=maybe",
        "s3://a:b@host/bucket?regoin=x",  # typo must not be ignored
        "ftp://host/x",
        "file://relative/path",
    ],
)
def test_bad_urls_fail_loudly(url):
    with pytest.raises(ValueError):
        from_url(url)


def test_file_url(tmp_path):
    store = from_url(f"file://{tmp_path}/objects")
    assert isinstance(store, FilesystemStorage)
    assert store.root == tmp_path / "objects"


def test_get_storage_is_cached_and_follows_settings(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path}/one"
    first = get_storage()
    assert get_storage() is first
    assert first.root == tmp_path / "one"
    settings.OBJECT_STORE_URL = f"file://{tmp_path}/two"
    assert get_storage() is not first
    assert get_storage().root == tmp_path / "two"
