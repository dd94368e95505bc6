"""The checksum extension: a chunk that does not match its Upload-Checksum is answered 460
and nothing of it is kept -- not in the offset, not in the store."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.uploads.conftest import staged, staged_size, upload_of
from tests.uploads.media import media_bytes


def checksum(algorithm: str, data: bytes) -> str:
    digest = hashlib.new(algorithm, data, usedforsecurity=False).digest()
    return f"{algorithm} {base64.b64encode(digest).decode()}"


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "md5"])
def test_matching_checksums_are_accepted(tus, algorithm):
    data = media_bytes(50_000)
    url = tus.create(len(data))["Location"]
    for offset in (0, 20_000):
        chunk = data[offset : offset + 30_000 if offset else 20_000]
        response = tus.patch(url, offset, chunk, **{"Upload-Checksum": checksum(algorithm, chunk)})
        assert response.status_code == 204, response.content
    assert upload_of(url).sha256 == hashlib.sha256(data).hexdigest()


def test_mismatch_is_460_and_keeps_nothing_of_the_chunk(tus, store):
    data = media_bytes(13 * 1024 * 1024)
    url = tus.create(len(data))["Location"]
    first = 3 * 1024 * 1024
    assert tus.patch(url, 0, data[:first]).status_code == 204
    before_state = upload_of(url).storage_state
    before_staged = staged(store)

    # 7 MiB: on S3 this crosses a part boundary, so a part is uploaded before the
    # checksum can be compared -- and must not count.
    chunk = data[first : first + 7 * 1024 * 1024]
    damaged = checksum("sha1", chunk[:-1] + b"?")
    response = tus.patch(url, first, chunk, **{"Upload-Checksum": damaged})
    assert response.status_code == 460
    assert response.json()["code"] == "checksum_mismatch"
    assert response["Tus-Resumable"] == "1.0.0"

    upload = upload_of(url)
    assert upload.offset == first
    assert upload.storage_state == before_state
    assert staged_size(store, upload) == first
    assert staged(store) == before_staged  # no new tail, no new multipart upload
    assert int(tus.head(url)["Upload-Offset"]) == first

    good = checksum("sha256", chunk)
    assert tus.patch(url, first, chunk, **{"Upload-Checksum": good}).status_code == 204
    rest = first + len(chunk)
    assert tus.patch(url, rest, data[rest:]).status_code == 204
    upload.refresh_from_db()
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get_bytes(upload.key) == data


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("crc32 AAAAAA==", "checksum_algorithm"),
        ("sha1 not-base64", "invalid_checksum"),
        ("sha1 " + base64.b64encode(b"short").decode(), "invalid_checksum"),
    ],
)
def test_unsupported_or_malformed_checksum_is_400(tus, header, code):
    url = tus.create(1000)["Location"]
    response = tus.patch(url, 0, media_bytes(1000), **{"Upload-Checksum": header})
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert upload_of(url).offset == 0
