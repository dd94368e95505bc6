"""Fixtures for the tus upload tests: users, both object stores, and a small tus client
for Django's test client (the real HTTP clients are in test_http.py)."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation

from edu_portal.accounts.models import User
from edu_portal.accounts.roles import Role
from edu_portal.storage import FilesystemStorage, MinioStorage, Storage, get_storage
from edu_portal.storage.resumable import RESUMABLE_PREFIX
from media_pipeline.models import Upload
from tests.people import make_user
from tests.storage.conftest import free_port, s3_url

COLLECTION = "/api/v1/uploads/"
OFFSET_TYPE = "application/offset+octet-stream"
S3_PART_SIZE = 5 << 20  # S3's minimum, so tests cross part boundaries with little data


@pytest.fixture(autouse=True)
def _upload_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.OBJECT_STORE_TIMEOUT = 10
    settings.OBJECT_STORE_RETRIES = 1
    settings.UPLOAD_MAX_BYTES = 20 * 1024**3
    settings.UPLOAD_EXPIRY_HOURS = 24
    # Every refused request is logged as a warning by Django; the tests make many.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    yield settings
    logging.getLogger("django.request").setLevel(logging.NOTSET)
    translation.deactivate()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def store(request, settings) -> Storage:
    """The configured store, the same one the views use, on each backend in turn."""
    if request.param == "s3":
        settings.OBJECT_STORE_URL = s3_url(request.getfixturevalue("moto_endpoint"))
    store = get_storage()
    if isinstance(store, MinioStorage):
        store.part_size = S3_PART_SIZE
    return store


# --- people ---------------------------------------------------------------------------------


@pytest.fixture
def other_teacher(school) -> User:
    return make_user("teacher_zhao", Role.TEACHER, school)


# --- a tus client over Django's test client -------------------------------------------------


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def metadata(filename: str | None = "lesson.mp4", filetype: str | None = "video/mp4") -> str:
    pairs = []
    if filename is not None:
        pairs.append(f"filename {b64(filename)}")
    if filetype is not None:
        pairs.append(f"filetype {b64(filetype)}")
    return ",".join(pairs)


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


class Tus:
    """Requests as a tus client sends them; ``headers`` override or add (None removes)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def _headers(self, headers: dict) -> dict:
        merged = {"Tus-Resumable": "1.0.0", **headers}
        return _meta({name: value for name, value in merged.items() if value is not None})

    def options(self, url: str = COLLECTION, **headers):
        return self.client.options(url, **self._headers(headers))

    def create(self, length: int, *, meta: str | None = None, body: bytes = b"", **headers):
        headers = {
            "Upload-Length": str(length),
            "Upload-Metadata": metadata() if meta is None else meta,
            **headers,
        }
        if body:
            return self.client.generic(
                "POST", COLLECTION, body, content_type=OFFSET_TYPE, **self._headers(headers)
            )
        return self.client.post(COLLECTION, **self._headers(headers))

    def head(self, url: str, **headers):
        return self.client.head(url, **self._headers(headers))

    def patch(self, url: str, offset: int, data: bytes, *, content_type=OFFSET_TYPE, **extra):
        headers = {"Upload-Offset": str(offset)}
        environ = {key: extra.pop(key) for key in list(extra) if key.isupper() or "." in key}
        headers.update(extra)
        # CONTENT_TYPE also for an empty body (the test client sets it only with data).
        return self.client.generic(
            "PATCH",
            url,
            data,
            content_type=content_type,
            **self._headers(headers),
            **{"CONTENT_TYPE": content_type, **environ},
        )

    def delete(self, url: str, **headers):
        return self.client.delete(url, **self._headers(headers))

    def upload(self, data: bytes, chunk: int, **create_headers) -> str:
        response = self.create(len(data), **create_headers)
        assert response.status_code == 201, response.content
        url = response["Location"]
        for offset in range(0, len(data), chunk):
            response = self.patch(url, offset, data[offset : offset + chunk])
            assert response.status_code == 204, response.content
        return url


@pytest.fixture
def tus(teacher) -> Tus:
    client = Client()
    client.force_login(teacher)
    return Tus(client)


@pytest.fixture
def other_tus(other_teacher) -> Tus:
    client = Client()
    client.force_login(other_teacher)
    return Tus(client)


def upload_of(url: str) -> Upload:
    return Upload.objects.get(pk=uuid.UUID(url.rstrip("/").rpartition("/")[2]))


def staged(store: Storage) -> list[str]:
    """What the store holds for unfinished uploads: staging files/tails, multipart uploads."""
    if isinstance(store, FilesystemStorage):
        directory = store.root / RESUMABLE_PREFIX
        return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
    assert isinstance(store, MinioStorage)
    tails = [info.key for info in store._list_raw(RESUMABLE_PREFIX)]
    return sorted(tails + [f"multipart:{u.object_name}" for u in store._multipart_uploads()])


def staged_size(store: Storage, upload: Upload) -> int:
    """Bytes the store holds for an unfinished upload (parts + tail, or the staging file)."""
    state = upload.storage_state
    if isinstance(store, FilesystemStorage):
        return store._resumable_path(state["name"]).stat().st_size
    parts = len(state["etags"]) * state["part_size"]
    tail = len(store._get_raw(state["tail"])) if state["tail"] else 0
    return min(parts, state["length"]) + tail
