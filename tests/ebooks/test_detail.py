"""An e-book's resource page: cover, authors, publisher, date, ISBN, pages, language,
description, topics, contents and the read button; and the cover thumbnail for lists,
which answers only those who may see the book."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog import kinds
from catalog.models import Resource
from ebooks.detail import TOC_LIMIT, language_name
from ebooks.models import EBook
from edu_portal.workflow.models import State
from tests.ebooks.conftest import BOOK

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


def detail(client, resource, **headers) -> str:
    response = client.get(f"/resources/{resource.pk}/", **{**EN, **headers})
    assert response.status_code == 200
    return response.content.decode()


def test_detail_shows_cover_facts_description_and_read_button(client, shelve):
    book = shelve("春天的童话", grade=3, subject="chinese")
    html = detail(client, book)
    assert f'<img src="/read/{book.pk}/cover" alt="Cover of “春天的童话”"' in html
    assert "张三、李四" in html
    assert BOOK["publisher"] in html
    assert BOOK["date"] in html
    assert BOOK["isbn"] in html
    assert "Simplified Chinese" in html  # zh-CN, named
    assert "春天的童话：第1本书的简介。" in html  # the description the book carries
    assert "语文、阅读理解" in html  # the book's own topics
    assert f'<a class="button book-read-button" href="/read/{book.pk}/">Read</a>' in html
    # The contents, folded: chapters and their sections.
    toc = html.split('<details class="book-toc">', 1)[1].split("</details>", 1)[0]
    for title, _body in BOOK["chapters"]:
        assert title in toc
    assert "第一节 古诗" in toc
    assert "/static/ebooks/book.css" in html
    # Where it belongs: grade and subject link back to the catalog's lists.
    assert "Grade 3" in html


def test_detail_in_chinese(client, shelve):
    book = shelve("数学游戏")
    html = detail(client, book, **ZH)
    for label in ("作者", "出版者", "出版日期", "章数", "语言", "目录"):
        assert label in html, label
    assert "简体中文" in html and ">阅读</a>" in html and "《数学游戏》封面" in html
    for english in ("Authors", "Publisher", "Publication date", "Cover of", "Topics", "Format"):
        assert english not in html, english


def test_book_without_cover_shows_its_title_block(client, shelve):
    book = shelve("百科全书", cover=False)
    html = detail(client, book)
    assert f"/read/{book.pk}/cover" not in html
    assert 'class="book-cover-blank"' in html and "张三、李四" in html


def test_long_contents_are_cut_with_a_note(client, shelve):
    book = shelve("大词典")
    chapters = [{"title": f"第{n}章", "href": f"c{n}.xhtml"} for n in range(TOC_LIMIT + 30)]
    chapters[0]["children"] = [
        {"title": "第一节", "href": "c0.xhtml#a", "children": [{"title": "第三层", "href": "x"}]}
    ]
    EBook.objects.filter(resource=book).update(toc=chapters)
    html = detail(client, book)
    toc = html.split('<details class="book-toc">', 1)[1].split("</details>", 1)[0]
    assert "第一节" in toc and "第三层" not in toc  # two levels only
    assert toc.count("<li>") == TOC_LIMIT
    assert "and 31 more entries" in toc


def test_not_yet_ingested_ebook_page_still_renders(client, teacher):
    resource = Resource.objects.create(
        title="尚未读入的书",
        kind=Resource.Kind.EBOOK,
        uploader=teacher,
        visibility="public",
        state=State.PUBLISHED,
        published_at=timezone.now(),
    )
    html = detail(client, resource)
    assert "尚未读入的书" in html and "book-card" not in html
    assert kinds.thumbnail_url(resource) is None


def test_draft_detail_hidden_from_others(client, shelve, teacher):
    draft = shelve("草稿读本", state=State.DRAFT)
    assert client.get(f"/resources/{draft.pk}/", **EN).status_code == 404
    client.force_login(teacher)  # the uploader sees the page with the book on it
    assert "book-read-button" in detail(client, draft)


# --- the thumbnail for lists ----------------------------------------------------------------


def test_thumbnail_url_is_the_access_checked_cover(client, shelve):
    book = shelve("春天的童话")
    url = kinds.thumbnail_url(book)
    assert url == f"/read/{book.pk}/cover"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content if response.streaming else [response.content])[
        :3
    ] == (b"\xff\xd8\xff")
    assert kinds.thumbnail_url(shelve("无封面", cover=False)) is None
    Resource.objects.filter(pk=book.pk).update(deleted_at=timezone.now())
    assert kinds.thumbnail_url(Resource.objects.get(pk=book.pk)) is None


def test_thumbnail_honours_visibility_and_state(client, shelve, teacher):
    inside = shelve("内网读本", visibility="intranet")
    url = kinds.thumbnail_url(inside)
    assert client.get(url).status_code == 200  # 127.0.0.1 is on the intranet
    assert client.get(url, **OUTSIDE).status_code == 403

    draft = shelve("草稿读本", state=State.DRAFT)
    assert client.get(kinds.thumbnail_url(draft)).status_code == 404
    client.force_login(teacher)
    assert client.get(kinds.thumbnail_url(draft)).status_code == 200


def test_language_names():
    from django.utils import translation

    with translation.override("en"):
        assert language_name("zh-CN") == "Simplified Chinese"
        assert language_name("en_US") == "English"
        assert language_name("zh") == "Chinese"
        assert language_name("x-klingon") == "x-klingon"
        assert language_name("") == ""
    with translation.override("zh-hans"):
        assert language_name("zh-CN") == "简体中文"
        assert language_name("zh") == "中文"
