"""Real HTTP against a live server: the tuspy client, a PATCH killed half-way through on the
socket and resumed from the offset the server reports, and a concurrent PATCH."""

from __future__ import annotations

import hashlib
import io
import socket
import struct
import time
from urllib.parse import urlsplit

import pytest
import requests
from rest_framework.authtoken.models import Token
from tusclient.client import TusClient

from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from tests.uploads.conftest import upload_of
from tests.uploads.media import media_bytes

MiB = 1024 * 1024


@pytest.fixture
def token(teacher, transactional_db) -> str:
    return Token.objects.create(user=teacher).key


@pytest.fixture
def endpoint(live_server) -> str:
    return f"{live_server.url}/api/v1/uploads/"


def tus_client(endpoint: str, token: str) -> TusClient:
    return TusClient(endpoint, headers={"Authorization": f"Token {token}"})


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for the server")


def server_offset(url: str, token: str) -> int:
    response = requests.head(
        url, headers={"Tus-Resumable": "1.0.0", "Authorization": f"Token {token}"}, timeout=10
    )
    assert response.status_code == 200, response.status_code
    return int(response.headers["Upload-Offset"])


def start_patch(url: str, token: str, offset: int, length: int, first_bytes: bytes):
    """A PATCH over a raw socket announcing ``length`` bytes but sending only
    ``first_bytes`` (so far): the caller then holds the connection, or kills it."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Tus-Resumable: 1.0.0\r\n"
        f"Authorization: Token {token}\r\n"
        "Content-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: {offset}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode("ascii") + first_bytes)
    return sock


def kill(sock: socket.socket, *, reset: bool) -> None:
    if reset:  # RST instead of FIN: the connection is torn down, not ended
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_tuspy_uploads_in_chunks_with_checksums(endpoint, token, store):
    data = media_bytes(12 * MiB + 1234)
    uploader = tus_client(endpoint, token).uploader(
        file_stream=io.BytesIO(data),
        chunk_size=3 * MiB,
        metadata={"filename": "第一课 认识图形.mp4", "filetype": "video/mp4"},
        upload_checksum=True,  # sha1 of every chunk, checked by the server
    )
    uploader.upload()
    upload = upload_of(uploader.url)
    assert upload.status == Upload.Status.COMPLETE
    assert upload.filename == "第一课 认识图形.mp4"
    expected = hashlib.sha256(data).hexdigest()
    assert upload.sha256 == expected
    assert store.stat(upload.key).sha256 == expected
    assert store.get_bytes(upload.key) == data


def test_a_killed_patch_resumes_from_the_offset_the_server_reports(endpoint, token, store):
    kill_and_resume(endpoint, token, store, reset=False)


def test_a_reset_connection_resumes_too(endpoint, token):
    kill_and_resume(endpoint, token, get_storage(), reset=True)  # the filesystem store


def kill_and_resume(endpoint, token, store, *, reset: bool) -> None:
    data = media_bytes(13 * MiB + 999)
    client = tus_client(endpoint, token)
    uploader = client.uploader(
        file_stream=io.BytesIO(data), chunk_size=2 * MiB, metadata={"filename": "a.mp4"}
    )
    uploader.upload(stop_at=2 * MiB)
    url = uploader.url
    assert server_offset(url, token) == 2 * MiB

    # The rest in one PATCH that dies 7 MiB + 123 bytes in (past an S3 part boundary).
    sent = 7 * MiB + 123
    sock = start_patch(url, token, 2 * MiB, len(data) - 2 * MiB, data[2 * MiB : 2 * MiB + sent])
    time.sleep(0.2)  # let the bytes reach the server before the connection goes
    kill(sock, reset=reset)
    if reset:
        # After a reset the kernel may drop what the server had not read yet; whatever
        # it did read is kept.
        wait_for(lambda: upload_of(url).locked_until is None and upload_of(url).offset > 2 * MiB)
        assert upload_of(url).offset <= 2 * MiB + sent
    else:
        # Saved, and the lease released (else the resuming PATCH could meet a 423).
        wait_for(
            lambda: upload_of(url).offset == 2 * MiB + sent and upload_of(url).locked_until is None
        )
    offset = server_offset(url, token)
    assert offset == upload_of(url).offset

    resumed = client.uploader(file_stream=io.BytesIO(data), url=url, chunk_size=4 * MiB)
    assert resumed.offset == offset  # tuspy asked the server with HEAD
    resumed.upload()
    upload = upload_of(url)
    assert upload.status == Upload.Status.COMPLETE
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert store.stat(upload.key).sha256 == upload.sha256
    assert hashlib.sha256(store.get_bytes(upload.key)).hexdigest() == upload.sha256


def test_a_second_patch_while_one_streams_is_423(endpoint, token):
    data = media_bytes(100_000)
    uploader = tus_client(endpoint, token).uploader(
        file_stream=io.BytesIO(data), metadata={"filename": "a.mp4"}
    )
    url = uploader.create_url()
    sock = start_patch(url, token, 0, len(data), data[:10_000])
    try:
        wait_for(lambda: upload_of(url).locked_until is not None)
        response = requests.patch(
            url,
            data=data,
            headers={
                "Tus-Resumable": "1.0.0",
                "Authorization": f"Token {token}",
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": "0",
            },
            timeout=10,
        )
        assert response.status_code == 423
        assert response.json()["code"] == "locked"
        assert response.headers["Tus-Resumable"] == "1.0.0"
    finally:
        kill(sock, reset=False)
    wait_for(lambda: upload_of(url).offset == 10_000 and upload_of(url).locked_until is None)


def test_requests_without_valid_credentials_are_refused(endpoint, token):
    headers = {"Tus-Resumable": "1.0.0", "Upload-Length": "100"}
    assert requests.post(endpoint, headers=headers, timeout=10).status_code == 401
    bad = {**headers, "Authorization": "Token not-a-token"}
    response = requests.post(endpoint, headers=bad, timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert Upload.objects.count() == 0
