"""tus 1.0.0 conformance through Django's test client: discovery, creation, offsets,
headers and the refusals a client must be able to rely on."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.utils.http import http_date

from media_pipeline.models import Upload
from tests.uploads.conftest import COLLECTION, b64, metadata, staged, upload_of
from tests.uploads.media import media_bytes

LOCATION = re.compile(
    r"/api/v1/uploads/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def assert_tus_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Tus-Resumable"] == "1.0.0"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and len(body["detail"]) > 20
    return body


def test_options_advertises_version_extensions_size_and_checksums(tus, client, settings):
    settings.UPLOAD_MAX_BYTES = 123_456_789
    for response in (tus.options(), client.options(COLLECTION)):  # signed in or not
        assert response.status_code == 204
        assert response["Tus-Resumable"] == "1.0.0"
        assert response["Tus-Version"] == "1.0.0"
        assert set(response["Tus-Extension"].split(",")) >= {
            "creation",
            "creation-with-upload",
            "termination",
            "checksum",
            "expiration",
        }
        assert response["Tus-Max-Size"] == "123456789"
        assert set(response["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256", "md5"}


def test_upload_in_chunks_assembles_the_object_with_its_sha256(tus, store):
    data = media_bytes(12 * 1024 * 1024 + 4321)  # crosses two 5 MiB parts on S3
    response = tus.create(len(data), meta=metadata("第三课 分数.mp4", "video/mp4"))
    assert response.status_code == 201
    assert LOCATION.fullmatch(response["Location"])
    assert response["Tus-Resumable"] == "1.0.0"
    url = response["Location"]
    upload = upload_of(url)
    assert response["Upload-Expires"] == http_date(upload.expires_at.timestamp())

    head = tus.head(url)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("0", str(len(data)))
    assert head["Cache-Control"] == "no-store"
    assert head["Upload-Metadata"] == metadata("第三课 分数.mp4", "video/mp4")
    assert head.content == b""

    offset = 0
    for size in (3 << 20, 4 << 20, 1, 100, len(data)):
        chunk = data[offset : offset + size]
        response = tus.patch(url, offset, chunk)
        assert response.status_code == 204, response.content
        offset += len(chunk)
        assert response["Upload-Offset"] == str(offset)
        assert response["Tus-Resumable"] == "1.0.0"
        if offset < len(data):
            assert "Upload-Expires" in response
        assert int(tus.head(url)["Upload-Offset"]) == offset

    upload.refresh_from_db()
    assert upload.status == Upload.Status.COMPLETE
    assert upload.key == f"uploads/{upload.pk}/source"
    assert (upload.filename, upload.filetype) == ("第三课 分数.mp4", "video/mp4")
    expected = hashlib.sha256(data).hexdigest()
    assert upload.sha256 == expected
    info = store.stat(upload.key)
    assert (info.size, info.sha256, info.content_type) == (len(data), expected, "video/mp4")
    assert store.get_bytes(upload.key) == data
    assert staged(store) == []  # no staging file, tail or multipart upload left
    assert tus.client.get(url).json()["status"] == "complete"


def test_creation_with_upload_stores_the_first_chunk(tus, store):
    data = media_bytes(300_000)
    response = tus.create(len(data), body=data[:100_000])
    assert response.status_code == 201
    assert response["Upload-Offset"] == "100000"
    url = response["Location"]
    assert tus.patch(url, 100_000, data[100_000:]).status_code == 204
    upload = upload_of(url)
    assert store.stat(upload.key).sha256 == hashlib.sha256(data).hexdigest()


def test_whole_file_in_the_creation_request(tus):
    data = media_bytes(5000)
    response = tus.create(len(data), body=data)
    assert (response.status_code, response["Upload-Offset"]) == (201, "5000")
    assert "Upload-Expires" not in response  # complete: nothing left to expire
    assert upload_of(response["Location"]).status == Upload.Status.COMPLETE


@pytest.mark.parametrize("version", [None, "0.2.2", "2.0.0"])
def test_unsupported_protocol_version_is_412_with_the_supported_one(tus, version):
    response = tus.create(100, **{"Tus-Resumable": version})
    assert_tus_error(response, 412, "tus_version")
    assert response["Tus-Version"] == "1.0.0"
    assert Upload.objects.count() == 0


def test_offset_mismatch_is_409_and_changes_nothing(tus):
    data = media_bytes(10_000)
    url = tus.create(len(data))["Location"]
    assert tus.patch(url, 0, data[:4000]).status_code == 204
    for wrong in (0, 3999, 4001):
        response = tus.patch(url, wrong, data[wrong : wrong + 100])
        assert_tus_error(response, 409, "offset_mismatch")
        assert response["Upload-Offset"] == "4000"
    assert upload_of(url).offset == 4000


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/plain", ""])
def test_wrong_content_type_is_415(tus, content_type):
    url = tus.create(1000)["Location"]
    response = tus.patch(url, 0, media_bytes(1000), content_type=content_type)
    assert_tus_error(response, 415, "wrong_content_type")
    assert upload_of(url).offset == 0


def test_more_bytes_than_announced_is_413(tus):
    url = tus.create(1000)["Location"]
    assert_tus_error(tus.patch(url, 0, media_bytes(1001)), 413, "exceeds_length")
    assert tus.patch(url, 0, media_bytes(1000)).status_code == 204
    assert_tus_error(tus.patch(url, 1000, b"x"), 413, "exceeds_length")


def test_file_over_the_size_limit_is_413_in_words(tus, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    body = assert_tus_error(tus.create(10 * 1024 * 1024 + 1), 413, "file_too_large")
    assert "10.0" in body["detail"] and "MB" in body["detail"]
    assert tus.create(10 * 1024 * 1024).status_code == 201


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Upload-Length": None}, "length_required"),
        ({"Upload-Defer-Length": "1", "Upload-Length": None}, "length_required"),
        ({"Upload-Length": "0"}, "empty_file"),
        ({"Upload-Length": "-5"}, "invalid_header"),
        ({"Upload-Length": "1e9"}, "invalid_header"),
        ({"Upload-Metadata": "filename not-base64!"}, "invalid_metadata"),
        (
            {"Upload-Metadata": f"filename {b64('a.mp4')},filename {b64('b.mp4')}"},
            "invalid_metadata",
        ),
    ],
)
def test_bad_creation_headers_are_400(tus, headers, code):
    assert_tus_error(tus.create(1000, **headers), 400, code)
    assert Upload.objects.count() == 0


def test_bad_or_missing_offset_is_400(tus):
    url = tus.create(1000)["Location"]
    assert_tus_error(tus.patch(url, 0, b"x", **{"Upload-Offset": None}), 400, "offset_required")
    assert_tus_error(tus.patch(url, 0, b"x", **{"Upload-Offset": "ten"}), 400, "invalid_header")


def test_unknown_upload_is_404(tus):
    url = "/api/v1/uploads/00000000-0000-4000-8000-000000000000"
    assert_tus_error(tus.patch(url, 0, b"abc"), 404, "not_found")
    assert tus.head(url).status_code == 404
    assert tus.head(url).content == b""  # HEAD never has a body
    assert tus.delete(url).status_code == 404


def test_method_override_for_proxies_that_only_pass_post(tus):
    data = media_bytes(2000)
    url = tus.create(len(data))["Location"]
    response = tus.client.generic(
        "POST",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
    )
    assert (response.status_code, response["Upload-Offset"]) == (204, "2000")


def test_metadata_is_for_display_only_never_a_key(tus, store):
    data = media_bytes(3000)
    url = tus.upload(data, 3000, meta=metadata("../../etc/passwd.mp4", "video/mp4"))
    upload = upload_of(url)
    assert upload.filename == "passwd.mp4"
    assert upload.key == f"uploads/{upload.pk}/source"
    assert store.get_bytes(upload.key) == data
