"""The library ``/ebooks/``: covers browsable by grade and subject with counts, sorted,
paged and searched; only published books the client may see."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from catalog.models import Resource
from catalog.search import services
from ebooks.reader.models import ReadingPosition
from edu_portal.workflow.models import State
from tests.people import make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


def facets(html: str) -> dict[str, int]:
    """Facet label → count as the page shows them."""
    pairs = re.findall(
        r'<span class="facet-label">([^<]+)</span>\s*<span class="count">(\d+)</span>', html
    )
    return {label: int(count) for label, count in pairs}


def titles(html: str) -> list[str]:
    """Book titles in the grid, in page order."""
    return re.findall(r'<h3 class="library-title"><a href="[^"]+">([^<]+)</a>', html)


def page(client, **params) -> str:
    response = client.get("/ebooks/", params, **EN)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def shelf(shelve):
    """Three public books in two grades and two subjects, one without grade or subject,
    an intranet one, a draft and a deleted one (the last two never show)."""
    books = {
        "spring": shelve("春天的童话", grade=3, subject="chinese"),
        "maths": shelve("数学游戏", grade=3, subject="math"),
        "youth": shelve("少年文学", grade=7, subject="chinese"),
        "loose": shelve("百科全书", cover=False),
        "inside": shelve("内网读本", grade=3, subject="chinese", visibility="intranet"),
        "draft": shelve("草稿读本", grade=3, subject="chinese", state=State.DRAFT),
        "gone": shelve("删除读本", grade=3, subject="chinese"),
    }
    Resource.objects.filter(pk=books["gone"].pk).update(deleted_at=timezone.now())
    # Published in this order, a day apart: newest first is loose, youth, maths, spring.
    for day, name in enumerate(("inside", "spring", "maths", "youth", "loose")):
        Resource.objects.filter(pk=books[name].pk).update(
            published_at=timezone.now() - timezone.timedelta(days=10 - day)
        )
    return books


def test_facets_count_grades_and_subjects_of_visible_published_books(client, shelf):
    html = page(client)
    assert titles(html) == ["百科全书", "少年文学", "数学游戏", "春天的童话", "内网读本"]
    assert "草稿读本" not in html and "删除读本" not in html
    # 127.0.0.1 is on the intranet: the intranet book counts; the draft and deleted do not.
    assert facets(html) == {"Grade 3": 3, "Grade 7": 1, "语文": 3, "数学": 1}
    assert "5 books" in html

    outside = client.get("/ebooks/", **{**EN, **OUTSIDE}).content.decode()
    assert "内网读本" not in outside
    assert facets(outside)["Grade 3"] == 2


def test_filter_by_grade_then_subject(client, shelf):
    html = page(client, grade="3")
    assert titles(html) == ["数学游戏", "春天的童话", "内网读本"]
    counts = facets(html)
    # Each facet is counted with the other filters applied, not its own.
    assert counts["Grade 3"] == 3 and counts["Grade 7"] == 1
    assert counts["语文"] == 2 and counts["数学"] == 1
    # Facet links stay in the library and do not carry the fixed kind.
    assert 'href="?grade=3&amp;subject=chinese"' in html
    assert "kind=ebook" not in html and "/resources/?" not in html.split("<main", 1)[-1]

    both = page(client, grade="3", subject="chinese")
    assert titles(both) == ["春天的童话", "内网读本"]
    assert facets(both)["Grade 7"] == 1  # what choosing grade 7 instead would give
    # The chosen filters are removable chips.
    assert 'href="?subject=chinese"' in both and 'href="?grade=3"' in both


def test_two_grades_at_once_and_nothing_found(client, shelf):
    assert set(titles(page(client, grade=["3", "7"]))) == {
        "数学游戏",
        "春天的童话",
        "内网读本",
        "少年文学",
    }
    html = page(client, grade="12")
    assert titles(html) == []
    assert "No e-books match these filters" in html
    assert "No e-books yet" not in html


def test_sorts(client, shelf):
    assert titles(page(client, sort="title")) == sorted(
        ["百科全书", "少年文学", "数学游戏", "春天的童话", "内网读本"]
    )
    Resource.objects.filter(pk=shelf["spring"].pk).update(download_count=9)
    Resource.objects.filter(pk=shelf["youth"].pk).update(download_count=4)
    assert titles(page(client, sort="downloads"))[:2] == ["春天的童话", "少年文学"]

    readers = [make_user(f"reader{n}") for n in range(3)]
    for user in readers:
        ReadingPosition.objects.create(user=user, resource=shelf["maths"], location="epubcfi(/6)")
    ReadingPosition.objects.create(user=readers[0], resource=shelf["loose"], location="x")
    html = page(client, sort="readers")
    assert titles(html)[:2] == ["数学游戏", "百科全书"]
    assert '<strong aria-current="true">Most read</strong>' in html
    # Sorting keeps the filters; an unknown sort is the default, not an error.
    assert titles(page(client, sort="readers", grade="7")) == ["少年文学"]
    assert titles(page(client, sort="bogus"))[0] == "百科全书"
    assert "sort=relevance" not in page(client)  # no best match without words


def test_pages_keep_filters(client, shelf, monkeypatch):
    from ebooks.reader import views

    monkeypatch.setattr(views, "LIBRARY_PAGE_SIZE", 2)
    first = page(client, grade="3", sort="title")
    assert "Page 1 of 2" in first
    assert 'href="?grade=3&amp;sort=title&amp;page=2"' in first
    second = page(client, grade="3", sort="title", page="2")
    assert "Page 2 of 2" in second and len(titles(second)) == 1
    assert set(titles(first) + titles(second)) == {"数学游戏", "春天的童话", "内网读本"}
    # Past the end or nonsense: the last or first page, never an error.
    assert "Page 2 of 2" in page(client, grade="3", page="99")
    assert "Page 1 of 2" in page(client, grade="3", page="x")


def test_search_with_grade_filter_and_counts(client, shelf):
    for resource in Resource.objects.all():
        services.update(resource.pk)
    html = page(client, q="读本")
    assert titles(html) == ["内网读本"]
    html = page(client, q="童话")
    assert titles(html) == ["春天的童话"]
    assert facets(html)["Grade 3"] == 1
    assert titles(page(client, q="童话", grade="7")) == []
    # The search form keeps the filters chosen; the sorts offered include best match.
    filtered = page(client, q="童话", grade="3")
    assert '<input type="hidden" name="grade" value="3">' in filtered
    assert "Best match" in filtered and "Most read" not in filtered


def test_bad_values_are_ignored(client, shelf):
    html = page(client, grade="99", subject="<script>", page="-3", sort="readers'--")
    assert "<script>" not in html and "&lt;script&gt;" in html  # a chip, escaped
    assert titles(html) == [] and "No e-books match these filters" in html
    assert "Grade 99" not in html
    assert client.post("/ebooks/", {"grade": "3"}, **EN).status_code == 405


def test_cover_and_details_links(client, shelf):
    html = page(client, grade="7")
    pk = shelf["youth"].pk
    assert f'<img src="/read/{pk}/cover"' in html
    assert f'href="/resources/{pk}/"' in html and f'href="/read/{pk}/"' in html
    assert "张三、李四" in html  # the authors under the title
    loose = page(client)  # the book without a cover shows its title instead
    assert 'class="library-cover-blank">百科全书' in loose


def test_list_costs_the_same_queries_for_more_books(client, shelve):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(2):
        shelve(f"第{n}册", grade=3, subject="chinese")
    page(client)  # the first page of a process fills caches (the portal's site root, footer)
    with CaptureQueriesContext(connection) as few:
        page(client)
    for n in range(2, 8):
        shelve(f"第{n}册", grade=3, subject="chinese")
    with CaptureQueriesContext(connection) as many:
        page(client)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_zh_hans_page_has_no_english_of_its_own(client, shelf):
    html = client.get("/ebooks/", {"grade": "3", "sort": "readers"}, **ZH).content.decode()
    for english in ("Most read", "Sort:", "Grade 3", "Filter", "Book title", "Newest", "Read<"):
        assert english not in html, english
    assert "阅读最多" in html and "三年级" in html


def test_empty_library(client, db):
    html = page(client)
    assert "No e-books yet" in html and "Filter" not in html


def test_a_students_grade_comes_first_by_default(client, shelf, student, monkeypatch):
    """The reader's grade, then the rest of its stage, then the others, while no grade or
    sort is chosen; the note offers that grade alone."""
    from ebooks.reader import views

    monkeypatch.setattr(views, "_reader_grade", lambda request: 7)
    client.force_login(student)
    html = page(client)
    assert titles(html)[0] == "少年文学"  # grade 7 before the newer book without a grade
    assert "Books for Grade 7, your grade, come first." in html
    assert 'href="?grade=7"' in html
    # A chosen grade or sort is obeyed as it is.
    assert titles(page(client, grade="3"))[0] == "数学游戏"
    assert titles(page(client, sort="newest"))[0] == "百科全书"
    assert "your grade" not in page(client, sort="newest")

    monkeypatch.setattr(views, "_reader_grade", lambda request: 2)
    # Grade 2 has no books: the rest of the primary stage (grade 3) comes before grade 7 and
    # the book without a grade, newest first within each.
    assert titles(page(client)) == ["数学游戏", "春天的童话", "内网读本", "百科全书", "少年文学"]


def test_a_pupils_grade_is_read_from_her_class(client, shelf, school):
    """Without any stand-in: the pupil's class lies under 七年级, so grade 7 comes first."""
    from edu_portal.accounts import actions as account_actions
    from edu_portal.accounts.models import OrgUnit
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    system = account_actions.SYSTEM
    grade = account_actions.create_org_unit(system, school, OrgUnit.Kind.GRADE, "七年级", "t-g7")
    klass = account_actions.create_org_unit(system, grade, OrgUnit.Kind.CLASS, "1班", "t-g7c1")
    client.force_login(make_user("pupil_qi", Role.STUDENT, klass))
    assert titles(page(client))[0] == "少年文学"
    client.logout()
    assert titles(page(client))[0] != "少年文学"


def test_search_past_the_last_page_shows_the_last(client, shelf, monkeypatch):
    from ebooks.reader import views

    monkeypatch.setattr(views, "LIBRARY_PAGE_SIZE", 2)
    for resource in Resource.objects.all():
        services.update(resource.pk)
    html = page(client, q="春天", page="40")  # in every book's text: 5 visible hits
    assert "Page 3 of 3" in html and len(titles(html)) == 1
    assert 'href="?q=%E6%98%A5%E5%A4%A9&amp;page=2"' in html


def test_deep_pages_are_capped(client, shelf, monkeypatch):
    from ebooks import library

    monkeypatch.setattr(library, "MAX_WINDOW", 4)
    monkeypatch.setattr("ebooks.reader.views.LIBRARY_PAGE_SIZE", 2)
    html = page(client, page="3")
    assert "Page 2 of 2" in html and 'rel="next"' not in html
