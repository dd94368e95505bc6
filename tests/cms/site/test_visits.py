"""Visit statistics: views of live pages counted without anything about the visitor,
robots left out, flushed to the daily table and shown to the office per page and column."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edu_portal.cms import rights, visits
from edu_portal.cms.models import PageVisitDay
from edu_portal.cms.tasks import flush_page_visits
from tests.cms.site.conftest import in_english
from tests.people import make_user

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


BEACON = re.compile(r'<meta name="cms-visit" content="([^"]+)">')


def visit(path: str, agent: str = BROWSER, method: str = "get"):
    """A browser's view: the page, then what cms/visit.js does (post the page's beacon)."""
    client = Client(HTTP_USER_AGENT=agent)
    response = getattr(client, method)(path)
    found = BEACON.search(response.content.decode()) if method == "get" else None
    if found:
        assert client.post(found.group(1), HTTP_ORIGIN="http://testserver").status_code == 204
    return response


def counts() -> dict[int, int]:
    flush_page_visits.apply().get()
    return {row.page_id: row.count for row in PageVisitDay.objects.all()}


@pytest.fixture
def news(portal):
    column = portal.column("教育新闻", "news")
    return column, portal.article(column, "新闻一", slug="one")


def test_views_of_live_pages_are_counted_per_page_and_day(news, portal):
    column, article = news
    for _ in range(3):
        assert visit(article.url).status_code == 200
    assert visit(column.url).status_code == 200
    assert counts() == {article.pk: 3, column.pk: 1}
    row = PageVisitDay.objects.get(page=article)
    assert row.day == timezone.localdate()
    # Only the page, the day and the number: nothing that could identify a visitor.
    assert {field.name for field in PageVisitDay._meta.fields} == {"id", "page", "day", "count"}


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 HeadlessChrome/120.0",
    ],
)
def test_robots_and_scripts_are_not_counted(news, agent):
    _column, article = news
    assert visit(article.url, agent).status_code == 200
    assert counts() == {}


def test_drafts_missing_pages_and_other_methods_are_not_counted(news, portal):
    column, article = news
    draft = portal.article(column, "草稿", live=False, slug="draft")
    assert visit(draft.url or "/news/draft/").status_code == 404
    assert visit("/news/no-such-page/").status_code == 404
    assert visit(article.url, method="head").status_code == 200
    assert counts() == {}


def test_a_flush_adds_to_the_days_row_and_keeps_the_day_of_the_visit(news):
    _column, article = news
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    PageVisitDay.objects.create(page=article, day=yesterday, count=5)
    visits.buffer().add(visits.encode(article.pk, yesterday), 2)
    visit(article.url)
    counts()
    assert PageVisitDay.objects.get(page=article, day=yesterday).count == 7
    assert PageVisitDay.objects.get(page=article, day=timezone.localdate()).count == 1
    # Flushing again adds nothing.
    assert (
        counts() == {article.pk: 1}
        or PageVisitDay.objects.get(page=article, day=yesterday).count == 7
    )


def test_visits_of_a_deleted_page_are_dropped_at_the_flush(news):
    _column, article = news
    visit(article.url)
    article.delete()
    assert counts() == {}


def test_cached_views_are_counted_too(news, page_cache_on):
    _column, article = news
    first, second = visit(article.url), visit(article.url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert counts() == {article.pk: 2}


# --- the report ---------------------------------------------------------------------------


@pytest.fixture
def office_client(bureau, portal):
    office = in_english(make_user("office_zhao", "office_reviewer", bureau))
    rights.sync()
    client = Client()
    client.force_login(office)
    return client


def test_the_office_sees_visits_per_page_and_per_column_subtree(portal, office_client):
    today = timezone.localdate()
    disclosure = portal.column("政务公开", "disclosure", kind="disclosure")
    documents = portal.column("局发文件", "documents", kind="policy", parent=disclosure)
    doc = portal.article(documents, "关于开展教学检查的通知", slug="doc")
    news = portal.column("教育新闻", "news")
    item = portal.article(news, "新闻", slug="item")
    old = today - datetime.timedelta(days=40)
    PageVisitDay.objects.bulk_create(
        [
            PageVisitDay(page=doc, day=today, count=30),
            PageVisitDay(page=documents, day=today, count=5),
            PageVisitDay(page=disclosure, day=today, count=2),
            PageVisitDay(page=item, day=today, count=10),
            PageVisitDay(page=item, day=old, count=1000),  # outside the period
        ]
    )
    visit(item.url)  # still in the buffer: the report flushes first

    response = office_client.get(
        "/cms/reports/portal/visits/",
        {"start": (today - datetime.timedelta(days=6)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 200
    columns = {row.page.pk: row.visits for row in response.context["columns"]}
    assert columns[disclosure.pk] == 37
    assert columns[documents.pk] == 35
    assert columns[news.pk] == 11
    top = [(row.page.title, row.visits) for row in response.context["top_pages"]]
    assert top[0] == ("关于开展教学检查的通知", 30)
    assert response.context["total"] == 48
    assert "关于开展教学检查的通知" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-12-05", "end": "2026-11-01"}, "must not be after"),
        ({"start": "2024-01-01", "end": "2026-12-01"}, "at most 366 days"),
        ({"start": "not a date", "end": "2026-12-01"}, "Enter a valid date"),
    ],
)
def test_a_bad_period_is_refused_with_a_sentence(office_client, query, message):
    response = office_client.get("/cms/reports/portal/visits/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_serving_a_page_counts_nothing_without_its_beacon(news, page_cache_on):
    """Most views never reach Django (nginx's cache): only the beacon counts, once."""
    _column, article = news
    for _ in range(2):
        assert Client(HTTP_USER_AGENT=BROWSER).get(article.url).status_code == 200
    assert counts() == {}
    visit(article.url)
    assert counts() == {article.pk: 1}


def test_the_beacon_refuses_other_methods_other_sites_and_pages_not_live(news, portal):
    column, article = news
    draft = portal.article(column, "草稿", live=False, slug="draft")
    client = Client(HTTP_USER_AGENT=BROWSER)
    url = reverse("cms:page-visit", args=[article.pk])
    got = client.get(url)
    assert got.status_code == 405 and b"beacon" in got.content
    forged = client.post(url, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == 403 and b"this site" in forged.content
    assert client.post(reverse("cms:page-visit", args=[draft.pk])).status_code == 204
    assert client.post(reverse("cms:page-visit", args=[987654])).status_code == 204
    assert client.post(url, HTTP_USER_AGENT="curl/8.5.0").status_code == 204
    assert counts() == {}
    # No Origin header (older browsers): counted; the answer is never stored anywhere.
    answer = client.post(url)
    assert answer["Cache-Control"] == "no-store" and "X-Accel-Expires" not in answer
    assert counts() == {article.pk: 1}


def test_a_preview_carries_no_beacon(news):
    _column, article = news
    assert BEACON.search(Client().get(article.url).content.decode())
    article.title = "预览"
    html = article.make_preview_request(original_request=None).content.decode()
    assert "预览" in html and not BEACON.search(html)
