"""The declared type of a tus upload (Upload-Metadata ``filetype``), attacked as a review did:
a type with CR/LF used to be stored with the file and, files being shared by content,
broke every later download of the same bytes with a 500."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import filetypes
from catalog.models import Blob, Resource
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from tests.uploads.conftest import metadata, upload_of
from tests.uploads.media import media_bytes

INTRANET = {"REMOTE_ADDR": "10.1.2.3"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"%" * 5000 + b"\n"
INJECTED = "video/mp4\r\nX-Injected: 1"


@pytest.mark.parametrize("filename", ["lesson", "lesson.mp4"])
@pytest.mark.parametrize(
    "declared",
    [
        INJECTED,
        "video/mp4\n",
        "video/mp4\r\n\r\n<html>",
        "video/mp4; codecs=avc1\r\nSet-Cookie: a=b",
        "video/mp4\x00",
        "video/mp4\t",
        "video/mp4 x",
        "视频/mp4",
        "video/",
        "/mp4",
        "video",
        "video/mp4/x",
        "video/" + "x" * 200,
    ],
)
def test_an_invalid_declared_type_is_refused_at_creation(tus, filename, declared):
    response = tus.create(6000, meta=metadata(filename, declared))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_type"
    assert "not a valid type" in body["detail"]
    assert Upload.objects.count() == 0


def test_creation_with_upload_and_an_injected_type_stores_nothing(tus, store):
    data = media_bytes(6000)
    response = tus.create(len(data), meta=metadata("lesson", INJECTED), body=data)
    assert response.status_code == 400
    assert Upload.objects.count() == 0
    assert not list(store.list("uploads/"))


@pytest.mark.parametrize(
    ("declared", "stored"),
    [
        ("video/webm", "video/mp4"),  # the bytes are MP4: they decide
        ("video/mp4; codecs=avc1", "video/mp4"),
        ("audio/mp4", "audio/mp4"),  # an MP4 container holds either; the family stays
    ],
)
def test_without_a_known_extension_the_stored_type_comes_from_the_content(
    tus, store, declared, stored
):
    data = media_bytes(6000)
    url = tus.upload(data, 4096, meta=metadata("lesson", declared))
    upload = upload_of(url)
    assert upload.status == Upload.Status.COMPLETE
    assert upload.filetype == stored
    assert store.stat(upload.key).content_type == stored


def test_a_known_extension_decides_over_the_content_details(tus, store):
    url = tus.upload(media_bytes(6000), 6000, meta=metadata("lesson.mov", "video/webm"))
    assert upload_of(url).filetype == "video/quicktime"
    assert store.stat(upload_of(url).key).content_type == "video/quicktime"


def test_type_helpers():
    assert filetypes.is_valid_type("application/vnd.ms-powerpoint")
    assert filetypes.is_valid_type("text/plain; charset=utf-8")
    assert not filetypes.is_valid_type(INJECTED)
    assert filetypes.effective_type("lesson", INJECTED) is None
    assert filetypes.sniffed_type(b"%PDF-1.7\n") == "application/pdf"
    assert filetypes.sniffed_type(b"\x89PNG\r\n\x1a\n" + bytes(20)) == "image/png"
    assert filetypes.sniffed_type(b"PK\x03\x04", "application/epub+zip") == "application/epub+zip"
    assert filetypes.sniffed_type(b"PK\x03\x04", "video/mp4") == "application/zip"
    assert filetypes.sniffed_type(b"ID3\x04" + bytes(20)) == "audio/mpeg"
    assert filetypes.sniffed_type(b"<html><script>") is None
    assert filetypes.stored_type("x", "application/x-geogebra", bytes(100)) == (
        "application/x-geogebra"  # allowed by an operator, no signature: the checked type
    )
    assert filetypes.stored_type("x", INJECTED, bytes(100)) == "application/octet-stream"


# --- downloads of a blob stored with a bad type before the fix --------------------------------


def test_download_of_a_shared_blob_with_a_bad_stored_type_is_not_a_500(
    tus, teacher, settings, intranet_settings, django_capture_on_commit_callbacks
):
    """Before the fix the first upload stored ``INJECTED`` with the blob; a second upload of
    the same bytes shares that blob, and its download answered 500. Such a blob (left from
    before) is served as application/octet-stream now."""
    sha256 = hashlib.sha256(PDF).hexdigest()
    key = Blob.key_for(sha256)
    get_storage().put_bytes(key, PDF, content_type=INJECTED)
    Blob.objects.create(sha256=sha256, size=len(PDF), content_type=INJECTED, key=key)

    url = tus.upload(PDF, len(PDF), meta=metadata("勾股定理.pdf", "application/pdf"))
    api = APIClient(**INTRANET)
    api.force_authenticate(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/resources/",
            {"title": "勾股定理", "kind": "courseware", "upload": url},
            format="json",
        )
    assert created.status_code == 201, created.content
    resource_id = created.json()["id"]
    assert Resource.objects.get(pk=resource_id).files.get().blob.content_type == INJECTED
    Resource.objects.filter(pk=resource_id).update(state="published", published_at=timezone.now())

    browser = Client()
    browser.force_login(teacher)
    redirect = browser.get(f"/resources/{resource_id}/download/", **INTRANET)
    assert redirect.status_code == 302
    for method in (browser.get, browser.head):
        response = method(redirect["Location"], **INTRANET)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert "X-Injected" not in response
    fetched = browser.get(redirect["Location"], **INTRANET)
    assert b"".join(fetched.streaming_content) == PDF
