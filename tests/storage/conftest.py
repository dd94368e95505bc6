"""Fixtures for the storage contract: the same tests run against every backend.

The S3 backend talks real HTTP to a moto S3 server started once per session on a free
local port; each test gets its own bucket (created by the store on first use), so tests
cannot see each other's objects.
"""

from __future__ import annotations

import logging
import socket
import uuid

import pytest

from edu_portal.storage import FilesystemStorage, Storage, get_storage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request else
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


def s3_url(endpoint: str, bucket: str | None = None) -> str:
    bucket = bucket or f"test-{uuid.uuid4().hex[:16]}"
    return f"s3://testing:testing@{endpoint}/{bucket}?secure=false&region=us-east-1"


@pytest.fixture(params=["filesystem", "s3"])
def store_url(request, tmp_path) -> str:
    if request.param == "filesystem":
        return f"file://{tmp_path / 'objects'}"
    # Looked up lazily so that running only filesystem tests never starts moto.
    return s3_url(request.getfixturevalue("moto_endpoint"))


@pytest.fixture
def storage(store_url, settings) -> Storage:
    """The configured store, built by get_storage() from settings like in production.

    Going through settings (not constructing directly) also makes the filesystem store
    the one the object view serves from.
    """
    settings.OBJECT_STORE_URL = store_url
    settings.OBJECT_STORE_TIMEOUT = 10
    settings.OBJECT_STORE_RETRIES = 1
    store = get_storage()
    assert store is get_storage(), "get_storage() must be cached"
    return store


@pytest.fixture
def fs_storage(tmp_path, settings) -> FilesystemStorage:
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    store = get_storage()
    assert isinstance(store, FilesystemStorage)
    return store
