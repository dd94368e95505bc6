"""The e-book library page: published e-books the client may see, newest first, search."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import Resource
from catalog.search import services
from edu_portal.workflow.models import State
from tests.reader.conftest import EN, OUTSIDE

pytestmark = pytest.mark.django_db


def test_lists_published_visible_books_newest_first(client, make_book):
    older = make_book("epub", title="旧书春天")
    newer = make_book("epub", title="新书夏天")
    Resource.objects.filter(pk=older.pk).update(published_at=timezone.now().replace(year=2020))
    make_book("epub", title="草稿之书", state=State.DRAFT)
    make_book("epub", title="内网之书", visibility="intranet")
    gone = make_book("epub", title="删除之书")
    Resource.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    response = client.get("/ebooks/", **EN)
    assert response.status_code == 200
    text = response.content.decode()
    # The intranet book was published last; the client (127.0.0.1) is on the intranet.
    assert text.index("内网之书") < text.index("新书夏天") < text.index("旧书春天")
    assert "草稿之书" not in text and "删除之书" not in text
    assert f'href="/read/{newer.pk}/"' in text
    assert f'href="/resources/{newer.pk}/"' in text
    assert f'src="/read/{newer.pk}/cover"' in text
    assert "/periodicals/" in text

    outside = client.get("/ebooks/", **{**EN, **OUTSIDE}).content.decode()
    assert "新书夏天" in outside and "内网之书" not in outside


def test_search_finds_ebooks_only(client, make_book, make_resource_plain):
    spring = make_book("epub", title="春天的故事")
    make_book("epub", title="秋天的落叶")
    make_resource_plain("故事课件")
    for resource in Resource.objects.all():
        services.update(resource.pk)
    response = client.get("/ebooks/", {"q": "故事"}, **EN)
    text = response.content.decode()
    assert "春天的故事" in text
    assert "秋天的落叶" not in text and "故事课件" not in text
    assert "1 book found" in text
    assert f'href="/read/{spring.pk}/"' in text
    none = client.get("/ebooks/", {"q": "恐龙"}, **EN).content.decode()
    assert "No e-books found" in none


def test_empty_library(client, db):
    text = client.get("/ebooks/", **EN).content.decode()
    assert "No e-books yet" in text


def test_pages(client, make_book, monkeypatch):
    from ebooks.reader import views

    monkeypatch.setattr(views, "LIBRARY_PAGE_SIZE", 2)
    for n in range(3):
        make_book("epub", title=f"书本{n}")
    first = client.get("/ebooks/", **EN).content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get("/ebooks/", {"page": "2"}, **EN).content.decode()
    assert "Page 2 of 2" in second and "书本0" in second
    assert client.get("/ebooks/", {"page": "x"}, **EN).status_code == 200


@pytest.fixture
def make_resource_plain(teacher):
    def make(title: str) -> Resource:
        return Resource.objects.create(
            title=title,
            kind=Resource.Kind.COURSEWARE,
            uploader=teacher,
            org_unit=teacher.org_unit,
            visibility="public",
            state=State.PUBLISHED,
            published_at=timezone.now(),
            status=Resource.Status.READY,
        )

    return make
