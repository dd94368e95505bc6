"""The reader page and the book bytes: who may open them, 404 and 410, ranges."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from catalog.models import Resource, ResourceFile
from edu_portal.workflow.models import State
from tests.reader.conftest import EN, OUTSIDE

pytestmark = pytest.mark.django_db


def config_of(response) -> dict:
    text = response.content.decode()
    start = text.index('<script id="reader-config" type="application/json">')
    body = text[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


def test_epub_reader_page_for_everyone_without_download(client, make_book):
    resource = make_book("epub", title="春天的书")
    response = client.get(f"/read/{resource.pk}/", **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "春天的书" in text
    assert "vendor/epubjs/epub.min.js" in text
    assert "vendor/jszip/jszip.min.js" in text
    assert f"/resources/{resource.pk}/download/" not in text
    config = config_of(response)
    assert config["format"] == "epub"
    assert config["bookUrl"] == f"/read/{resource.pk}/book.epub"
    assert config["positionUrl"] == ""  # anonymous: nothing is saved
    assert config["start"] is None
    assert "allowScriptedContent" not in text  # the page itself never turns scripts on


def test_download_button_only_for_roles_that_may_download(client, make_book, teacher, student):
    resource = make_book("epub")
    download = f"/resources/{resource.pk}/download/"
    client.force_login(student)
    assert download not in client.get(f"/read/{resource.pk}/", **EN).content.decode()
    client.force_login(teacher)
    response = client.get(f"/read/{resource.pk}/", **EN)
    assert download in response.content.decode()
    assert config_of(response)["positionUrl"] == f"/read/{resource.pk}/position"


def test_unpublished_book_is_refused_with_the_reason(client, make_book, teacher):
    resource = make_book("epub", state=State.DRAFT)
    for url in (f"/read/{resource.pk}/", f"/read/{resource.pk}/book.epub"):
        response = client.get(url, **EN)
        assert response.status_code == 404, url  # a draft is not confirmed to exist
        assert "has not been published yet" not in response.content.decode()
    client.force_login(teacher)  # the uploader
    assert client.get(f"/read/{resource.pk}/", **EN).status_code == 200
    assert client.get(f"/read/{resource.pk}/book.epub").status_code == 200


def test_intranet_book_is_refused_outside(client, make_book):
    resource = make_book("epub", visibility="intranet")
    assert client.get(f"/read/{resource.pk}/", **EN).status_code == 200
    for url in (
        f"/read/{resource.pk}/",
        f"/read/{resource.pk}/book.epub",
        f"/read/{resource.pk}/cover",
    ):
        response = client.get(url, **{**EN, **OUTSIDE})
        assert response.status_code == 403, url
        assert "intranet" in response.content.decode().lower()


def test_unknown_other_kinds_and_wrong_format_are_404(client, make_book, teacher):
    resource = make_book("epub")
    assert client.get("/read/999999/", **EN).status_code == 404
    assert client.get("/read/999999/book.epub").status_code == 404
    assert client.get(f"/read/{resource.pk}/book.pdf").status_code == 404
    assert client.get(f"/read/{resource.pk}/book.exe").status_code == 404
    other = Resource.objects.create(
        title="课件",
        kind=Resource.Kind.COURSEWARE,
        uploader=teacher,
        org_unit=teacher.org_unit,
        visibility="public",
        state=State.PUBLISHED,
        published_at=timezone.now(),
    )
    assert client.get(f"/read/{other.pk}/", **EN).status_code == 404


def test_deleted_book_is_410(client, make_book):
    resource = make_book("epub", title="删掉的书")
    Resource.objects.filter(pk=resource.pk).update(deleted_at=timezone.now())
    response = client.get(f"/read/{resource.pk}/", **EN)
    assert response.status_code == 410
    text = response.content.decode()
    assert "This e-book has been removed" in text
    assert "删掉的书" not in text
    assert client.get(f"/read/{resource.pk}/book.epub").status_code == 410


def test_book_bytes_with_ranges_and_private_caching(client, make_book):
    resource = make_book("epub")
    original = resource.files.get(role=ResourceFile.Role.ORIGINAL)
    response = client.get(f"/read/{resource.pk}/book.epub")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK" and len(body) == original.blob.size
    assert response["Cache-Control"].startswith("private")
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Security-Policy"] == "sandbox"
    partial = client.get(f"/read/{resource.pk}/book.epub", HTTP_RANGE="bytes=0-9")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == body[:10]
    assert partial["Content-Range"] == f"bytes 0-9/{len(body)}"


def test_cover_is_served_for_the_grid(client, make_book):
    resource = make_book("epub")
    response = client.get(f"/read/{resource.pk}/cover")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert response["Cache-Control"].startswith("private")


def test_txt_reader(client, make_book):
    resource = make_book("txt")
    response = client.get(f"/read/{resource.pk}/", **EN)
    assert response.status_code == 200
    assert config_of(response)["bookUrl"] == f"/read/{resource.pk}/book.txt"
    body = client.get(f"/read/{resource.pk}/book.txt")
    assert "春眠不觉晓" in b"".join(body.streaming_content).decode()


def test_pdf_reader_has_the_viewer_and_the_outline(client, make_book):
    resource = make_book("pdf")
    response = client.get(f"/read/{resource.pk}/", **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-pdf-url="/read/{resource.pk}/book.pdf"' in text
    assert "第一章 春天" in text and 'data-page="' in text
    body = client.get(f"/read/{resource.pk}/book.pdf")
    assert body.status_code == 200
    assert body["Content-Type"] == "application/pdf"
