"""Book files, covers and thumbnails: policy, ranges, counting."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog import counters
from catalog.models import Resource
from tests.opds.conftest import BOOK_BYTES

pytestmark = pytest.mark.django_db


def _count(book) -> int:
    counters.flush()  # downloads are counted in a buffer first
    return Resource.objects.get(pk=book.pk).download_count


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_download_bytes_type_and_name(client, make_ebook, teacher):
    book = make_ebook("呐喊")
    client.force_login(teacher)
    response = client.get(f"/opds/books/{book.pk}.epub")
    assert response.status_code == 200
    assert _body(response) == BOOK_BYTES
    assert response["Content-Type"] == "application/epub+zip"
    assert "attachment" in response["Content-Disposition"]
    assert "epub" in response["Content-Disposition"]
    assert response["Accept-Ranges"] == "bytes"
    assert _count(book) == 1


def test_ranges_resume_without_counting_again(client, make_ebook, teacher):
    book = make_ebook("呐喊", book_format="pdf")
    client.force_login(teacher)
    first = client.get(f"/opds/books/{book.pk}.pdf", HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206
    assert _body(first) == BOOK_BYTES[:100]
    assert first["Content-Type"] == "application/pdf"
    rest = client.get(f"/opds/books/{book.pk}.pdf", HTTP_RANGE="bytes=100-")
    assert rest.status_code == 206
    assert _body(rest) == BOOK_BYTES[100:]
    assert client.head(f"/opds/books/{book.pk}.pdf").status_code == 200
    assert _count(book) == 1
    assert client.get(f"/opds/books/{book.pk}.pdf", HTTP_RANGE="bytes=99999-").status_code == 416
    assert _count(book) == 1


def test_wrong_extension_draft_and_deleted(client, make_ebook, teacher, student):
    client.force_login(teacher)
    book = make_ebook("呐喊")
    assert client.get(f"/opds/books/{book.pk}.pdf").status_code == 404
    draft = make_ebook("草稿", state="draft", uploader=student)
    assert client.get(f"/opds/books/{draft.pk}.epub").status_code == 404
    gone = make_ebook("已删除", deleted_at=timezone.now())
    assert client.get(f"/opds/books/{gone.pk}.epub").status_code == 410
    assert client.get("/opds/books/999999.epub").status_code == 404


def test_cover_and_thumbnail(client, make_ebook):
    book = make_ebook("呐喊")
    cover = client.get(f"/opds/covers/{book.pk}.jpg")
    assert cover.status_code == 200
    assert _body(cover) == b"\xff\xd8\xff cover"
    assert cover["Cache-Control"].startswith("private")
    thumb = client.get(f"/opds/thumbnails/{book.pk}.jpg")
    assert _body(thumb) == b"\xff\xd8\xff thumb"
    # Anonymous clients see covers of books they may see, without downloading.
    assert _count(book) == 0


def test_thumbnail_falls_back_to_the_cover(client, make_ebook):
    book = make_ebook("呐喊", thumbnail=False)
    assert _body(client.get(f"/opds/thumbnails/{book.pk}.jpg")) == b"\xff\xd8\xff cover"
    bare = make_ebook("无封面", cover=False, thumbnail=False)
    assert client.get(f"/opds/covers/{bare.pk}.jpg").status_code == 404


def test_cover_of_a_staff_book_is_challenged_for_anonymous(client, make_ebook):
    book = make_ebook("教师书", visibility="staff")
    assert client.get(f"/opds/covers/{book.pk}.jpg").status_code == 401
    draft = make_ebook("草稿", state="draft")
    assert client.get(f"/opds/covers/{draft.pk}.jpg").status_code == 404
