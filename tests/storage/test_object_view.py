"""The signed object view: byte ranges, conditional ranges, refusals, hostile paths."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from edu_portal.access import make_token, sign_url
from edu_portal.storage.views import RangeNotSatisfiable, parse_range

DATA = bytes(range(256)) * 4  # 1024 bytes
KEY = "hls/42/job1/seg_00001.m4s"


@pytest.fixture
def object_url(fs_storage) -> str:
    fs_storage.put_bytes(KEY, DATA, content_type="video/iso.segment")
    return fs_storage.presigned_get(KEY, 300)


def get(url: str, **headers):
    response = Client().get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_full_object(object_url):
    response, body = get(object_url)
    assert response.status_code == 200
    assert body == DATA
    assert response["Content-Length"] == "1024"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/iso.segment"
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"].startswith("private")
    assert "Content-Range" not in response


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=0-0", 0, 1),
        ("bytes=500-599", 500, 600),
        ("bytes=1000-", 1000, 1024),
        ("bytes=1023-1023", 1023, 1024),
        ("bytes=-10", 1014, 1024),  # suffix: the last ten bytes
        ("bytes=-5000", 0, 1024),  # suffix longer than the object: all of it
        ("bytes=500-99999", 500, 1024),  # end past the object: clamped
        ("BYTES = 1-2", 1, 3),  # unit is case-insensitive, whitespace tolerated
    ],
)
def test_satisfiable_ranges_are_206(object_url, header, start, end):
    response, body = get(object_url, Range=header)
    assert response.status_code == 206
    assert body == DATA[start:end]
    assert response["Content-Range"] == f"bytes {start}-{end - 1}/1024"
    assert response["Content-Length"] == str(end - start)


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable_ranges_are_416(object_url, header):
    response, _ = get(object_url, Range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=5-2",
        "bytes=",
        "bytes=-",
        "bytes",
        "items=0-1",
        "bytes=0-1,5-6",  # several ranges: we may (and do) answer with the whole object
        "bytes=--1",
        "bytes=1-2-3",
        "bytes=٠-١",  # Arabic-Indic digits pass str.isdigit() and int()
        "bytes=" + "9" * 5000 + "-",  # int() refuses strings this long
        "bytes=0-" + "9" * 40,
        "bytes=0x10-0x20",
        "bytes=\x00-1",
    ],
)
def test_malformed_ranges_fall_back_to_the_whole_object(object_url, header):
    response, body = get(object_url, Range=header)
    assert response.status_code == 200
    assert body == DATA


def test_range_on_empty_object_is_416(fs_storage):
    fs_storage.put_bytes("empty/x", b"")
    url = fs_storage.presigned_get("empty/x", 60)
    assert get(url)[0].status_code == 200
    assert get(url, Range="bytes=0-")[0].status_code == 416


def test_if_range_only_resumes_the_same_version(object_url):
    etag = get(object_url)[0]["ETag"]
    response, body = get(object_url, Range="bytes=0-9", **{"If-Range": etag})
    assert (response.status_code, body) == (206, DATA[:10])
    response, body = get(object_url, Range="bytes=0-9", **{"If-Range": '"stale"'})
    assert (response.status_code, body) == (200, DATA)


def test_head_describes_without_body(object_url):
    response = Client().head(object_url, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response.content == b""


def test_only_safe_methods(object_url):
    assert Client().post(object_url).status_code == 405


def test_tampered_expired_foreign_and_missing_tokens_are_403(fs_storage, db):
    # The refusal page's header and footer read the portal's columns and settings.
    # (S3 links are checked by MinIO itself; moto does not verify presigned signatures.)
    fs_storage.put_bytes("share/secret.txt", b"s")
    url = fs_storage.presigned_get("share/secret.txt", 60)
    path = url.split("?")[0]
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    expired = make_token("object:share/secret.txt", ttl=60, now=time.time() - 3600)
    other_key = fs_storage.presigned_get("share/other.txt", 60).split("?")[1]
    client = Client()
    assert client.get(tampered).status_code == 403
    assert client.get(path, expired).status_code == 403
    assert client.get(f"{path}?{other_key}").status_code == 403
    assert client.get(path).status_code == 403
    assert client.get(url).status_code == 200


def test_missing_object_with_valid_link_is_404(fs_storage, db):
    url = fs_storage.presigned_get("gone/x", 60)
    assert get(url)[0].status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/objects/../secret_key",
        "/objects/hls/42/../../../secret_key",
        "/objects/hls/%2e%2e/%2e%2e/secret_key",
        "/objects/%2Fetc%2Fpasswd",
        "/objects//etc/passwd",
        "/objects/hls/42/job1/.seg_00001.m4s.meta.json",  # the sidecar
        "/objects/hls%5C42",
        "/objects/a%00b",
    ],
)
def test_hostile_paths_are_404_even_when_signed(object_url, path, db):
    # Paths the object view refuses to match fall through to Wagtail's page lookup.
    key = path.removeprefix("/objects/")
    response = Client().get(sign_url(path, f"object:{key}", ttl=60))
    assert response.status_code in (400, 404)


def test_download_name_is_bound_to_the_link(fs_storage, db):
    fs_storage.put_bytes("docs/a.pdf", b"%PDF", content_type="application/pdf")
    url = fs_storage.presigned_get("docs/a.pdf", 60, filename="通知.pdf")
    response, body = get(url)
    assert (response.status_code, body) == (200, b"%PDF")
    assert "filename*=utf-8''%E9%80%9A%E7%9F%A5.pdf" in response["Content-Disposition"]
    assert get(url.replace("fn=", "fn=x"))[0].status_code == 403


def test_active_content_is_downloaded_and_sandboxed(fs_storage):
    fs_storage.put_bytes("up/page.html", b"<script>alert(1)</script>", content_type="text/html")
    response, _ = get(fs_storage.presigned_get("up/page.html", 60))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "sandbox"


def test_parse_range_directly():
    assert parse_range("bytes=0-4", 10) == (0, 5)
    assert parse_range("bytes=-3", 10) == (7, 10)
    assert parse_range("bytes=8-", 10) == (8, 10)
    assert parse_range("bytes=3-1", 10) is None
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=10-", 10)
