"""Broken connections and concurrent requests, through Django's test client (the same over
real HTTP is in test_http.py): what arrived before the break is kept, exactly, and a second
request for the same upload is refused while the first one runs."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from django.utils import timezone

from media_pipeline.models import Upload
from media_pipeline.uploads import actions
from tests.uploads.conftest import staged_size, upload_of
from tests.uploads.media import media_bytes


class BrokenBody:
    """A request body whose connection breaks after ``cut`` bytes: first a short read,
    then ``error`` (or end-of-file when None) -- like a socket whose peer went away."""

    def __init__(self, data: bytes, cut: int, error: Exception | None = None) -> None:
        self.data, self.cut, self.error, self.position = data, cut, error, 0

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.cut:
            if self.error is not None:
                raise self.error
            return b""
        end = self.cut if size is None or size < 0 else min(self.cut, self.position + size)
        block = self.data[self.position : end]
        self.position = end
        return block

    readline = read  # WSGI input needs it; tus bodies are never read by lines


def patch_broken(tus, url, offset, chunk, cut, error=None, **headers):
    return tus.patch(
        url,
        offset,
        b"",
        CONTENT_LENGTH=str(len(chunk)),
        **{"wsgi.input": BrokenBody(chunk, cut, error)},
        **headers,
    )


def test_bytes_before_a_broken_connection_are_kept_and_the_upload_resumes(tus, store):
    data = media_bytes(14 * 1024 * 1024 + 77)
    url = tus.create(len(data))["Location"]
    assert tus.patch(url, 0, data[: 2 << 20]).status_code == 204

    # The rest in one request that breaks 6.5 MiB in: on S3 a part was cut on the way and
    # the unflushed rest must be saved as the staging tail.
    offset = 2 << 20
    cut = 6 * 1024 * 1024 + 512 * 1024
    patch_broken(tus, url, offset, data[offset:], cut, ConnectionResetError("peer reset"))
    upload = upload_of(url)
    assert upload.offset == offset + cut
    assert staged_size(store, upload) == offset + cut
    assert upload.locked_until is None  # the lease was released

    # A second break, by end-of-file this time.
    offset = int(tus.head(url)["Upload-Offset"])
    patch_broken(tus, url, offset, data[offset:], 1000)
    assert upload_of(url).offset == offset + 1000

    offset = int(tus.head(url)["Upload-Offset"])
    assert tus.patch(url, offset, data[offset:]).status_code == 204
    upload.refresh_from_db()
    assert upload.status == Upload.Status.COMPLETE
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert store.stat(upload.key).sha256 == upload.sha256
    assert store.get_bytes(upload.key) == data


def test_a_broken_chunk_with_a_checksum_keeps_nothing(tus, store):
    data = media_bytes(200_000)
    url = tus.create(len(data))["Location"]
    digest = base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()
    patch_broken(tus, url, 0, data, 150_000, **{"Upload-Checksum": f"sha1 {digest}"})
    upload = upload_of(url)
    assert upload.offset == 0
    assert staged_size(store, upload) == 0


def test_a_second_request_while_one_runs_is_423(tus):
    data = media_bytes(10_000)
    url = tus.create(len(data))["Location"]
    upload = upload_of(url)
    # Another process holds the lease (a PATCH in progress there).
    Upload.objects.filter(pk=upload.pk).update(
        lock_token="elsewhere", locked_until=timezone.now() + timedelta(seconds=30)
    )
    response = tus.patch(url, 0, data)
    assert (response.status_code, response.json()["code"]) == (423, "locked")
    assert tus.delete(url).status_code == 423
    assert upload_of(url).offset == 0

    # A lease whose holder died expires, and the upload can go on.
    Upload.objects.filter(pk=upload.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert tus.patch(url, 0, data).status_code == 204


class StealingBody:
    """A body during whose transfer another request takes the lease over."""

    def __init__(self, data: bytes, upload_id) -> None:
        self.data, self.upload_id, self.position = data, upload_id, 0

    def read(self, size: int = -1) -> bytes:
        if self.position:  # from the second block on, another request holds the lease
            Upload.objects.filter(pk=self.upload_id).update(lock_token="thief")
        block = self.data[self.position : self.position + size]
        self.position += len(block)
        return block

    readline = read


def test_a_request_that_lost_its_lease_saves_nothing(tus, store, monkeypatch):
    monkeypatch.setattr(actions, "RENEW_AFTER", timedelta(0))  # check at every block
    monkeypatch.setattr(actions, "READ_BLOCK", 64 * 1024)
    data = media_bytes(300_000)
    url = tus.create(len(data))["Location"]
    upload = upload_of(url)
    response = tus.patch(
        url,
        0,
        b"",
        CONTENT_LENGTH=str(len(data)),
        **{"wsgi.input": StealingBody(data, upload.pk)},
    )
    assert (response.status_code, response.json()["code"]) == (423, "locked")
    upload.refresh_from_db()
    assert upload.offset == 0
    assert upload.lock_token == "thief"  # the new holder's lease is left alone
