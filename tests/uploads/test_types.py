"""Types: checked from the name (and declared type) when an upload starts, and from the
first bytes when they arrive."""

from __future__ import annotations

import pytest

from catalog import filetypes
from media_pipeline.models import Upload
from tests.uploads.conftest import metadata, staged, upload_of
from tests.uploads.media import MP4_HEADER, media_bytes

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<<>>\nendobj\n" * 300
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(5000)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>" + b" " * 5000


@pytest.mark.parametrize(
    ("filename", "filetype", "stored_as"),
    [
        ("lesson.mp4", "", "video/mp4"),
        ("lesson.MKV", "application/octet-stream", "video/x-matroska"),
        ("课堂实录.ts", "video/vnd.dlna.mpeg-tts", "video/mp2t"),  # Windows' type for .ts
        ("lesson", "video/webm", "video/webm"),  # no extension: the declared type
        ("notes.pdf", "application/pdf", "application/pdf"),
        (
            "课件.pptx",
            "",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ],
)
def test_type_comes_from_a_known_extension_else_the_declared_type(
    tus, filename, filetype, stored_as
):
    response = tus.create(1000, meta=metadata(filename, filetype))
    assert response.status_code == 201, response.content
    assert upload_of(response["Location"]).filetype == stored_as


@pytest.mark.parametrize(
    ("filename", "filetype", "status", "code"),
    [
        ("setup.exe", "application/x-msdownload", 415, "type_not_allowed"),
        ("page.html", "text/html", 415, "type_not_allowed"),
        ("drawing.svg", "", 415, "type_not_allowed"),
        ("data", "application/x-sh", 415, "type_not_allowed"),
        ("data", "", 400, "type_unknown"),
        (None, None, 400, "type_unknown"),
    ],
)
def test_types_that_are_not_allowed_are_refused_at_once(tus, filename, filetype, status, code):
    response = tus.create(1000, meta=metadata(filename, filetype))
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Upload.objects.count() == 0


def test_allowed_types_come_from_settings(tus, settings):
    settings.UPLOAD_ALLOWED_TYPES = ["video/*"]
    assert tus.create(1000, meta=metadata("a.pdf", "application/pdf")).status_code == 415
    assert tus.create(1000, meta=metadata("a.mp4", "video/mp4")).status_code == 201


@pytest.mark.parametrize(
    ("filename", "body"),
    [
        ("lesson.mp4", media_bytes(6000)),
        ("notes.pdf", PDF),
        ("课件.docx", DOCX),
        ("导学案.txt", "学习目标：掌握勾股定理。\n".encode() * 50),
        ("导学案-gbk.txt", "学习目标：掌握勾股定理。\n".encode("gb18030") * 50),
    ],
)
def test_content_matching_the_type_is_accepted(tus, filename, body):
    response = tus.create(len(body), meta=metadata(filename, ""), body=body)
    assert response.status_code == 201
    assert upload_of(response["Location"]).status == Upload.Status.COMPLETE


@pytest.mark.parametrize(
    ("filename", "body", "words"),
    [
        ("lesson.mp4", PDF, "video or audio"),
        ("lesson.mp4", HTML, "web page or a program"),
        ("notes.pdf", DOCX, "not a PDF"),
        ("课件.docx", PDF, "not a Word"),
        ("notes.pdf", b"\x7fELF\x02\x01\x01" + bytes(5000), "program"),
        ("notes.txt", b"\x00\x01\x02\x03" * 3000, "not plain text"),
        ("notes.txt", HTML, "web page or a program"),
    ],
)
def test_content_contradicting_the_type_is_415_and_the_upload_is_dropped(
    tus, store, filename, body, words
):
    url = tus.create(len(body) * 2, meta=metadata(filename, ""))["Location"]
    response = tus.patch(url, 0, body)
    assert (response.status_code, response.json()["code"]) == (415, "content_mismatch")
    assert words in response.json()["detail"]
    assert not Upload.objects.exists()
    assert staged(store) == []
    assert tus.head(url).status_code == 404


def test_content_is_checked_once_enough_bytes_have_arrived(tus):
    body = HTML + bytes(10_000)
    url = tus.create(len(body), meta=metadata("lesson.mp4", "video/mp4"))["Location"]
    assert tus.patch(url, 0, body[:100]).status_code == 204  # too little to tell yet
    assert bytes(upload_of(url).head) == body[:100]
    response = tus.patch(url, 100, body[100:])
    assert response.status_code == 415
    assert not Upload.objects.exists()


def test_a_small_file_is_checked_whole(tus):
    response = tus.create(500, meta=metadata("clip.mp4", ""), body=HTML[:500])
    assert response.status_code == 415
    assert "Location" in response  # creation-with-upload: the client learns which upload


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (MP4_HEADER, "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video/x-matroska"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo"),
        (b"\x00\x00\x01\xba\x44\x00", "video/mpeg"),
        (bytes([0x47]) + bytes(187) + bytes([0x47]) + bytes(187) + bytes([0x47]), "video/mp2t"),
        (b"FLV\x01\x05", "video/x-flv"),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9", "video/x-ms-wmv"),
        (b".RMF\x00\x00\x00\x12", "video/vnd.rn-realvideo"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"#!AMR\n", "audio/amr"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-powerpoint"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"some text", "text/csv"),  # a type we have no signature for: allowed
    ],
)
def test_signatures_are_recognised(head, mime):
    assert filetypes.content_problem(mime, head + bytes(64)) is None


@pytest.mark.parametrize(
    ("head", "mime", "problem"),
    [
        (b"%PDF-1.4", "video/mp4", "media"),
        (b"PK\x03\x04", "audio/mpeg", "media"),
        (b"MZ\x90\x00", "video/mp4", "active"),
        (b"#!/bin/sh\n", "text/plain", "active"),
        (b"\xef\xbb\xbf  <html lang=zh>", "application/pdf", "active"),
        (b"GIF89a", "application/pdf", "pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/jpeg", None),
        (b"%PDF-1.4", "image/png", "image"),
    ],
)
def test_mismatches_are_named(head, mime, problem):
    assert filetypes.content_problem(mime, head + bytes(64)) == problem
