"""Atom feeds per column, /sitemap.xml and /robots.txt, as crawlers and feed readers
fetch them."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as ET
from django.test import Client
from wagtail.models import PageViewRestriction

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _entries(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "title": entry.find(f"{ATOM}title").text,
            "link": entry.find(f"{ATOM}link").get("href"),
            "published": entry.find(f"{ATOM}published").text,
            "updated": entry.find(f"{ATOM}updated").text,
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_a_columns_feed_lists_its_live_public_articles_newest_first_with_dates(portal):
    news = portal.column("教育新闻", "news")
    other = portal.column("通知公告", "announcements", kind="notice")
    sub = portal.column("学校动态", "schools-news", parent=news)
    portal.article(news, "旧闻", days_ago=10)
    fresh = portal.article(news, "新闻", days_ago=1)
    portal.article(sub, "子栏目的新闻", days_ago=3)
    portal.article(news, "草稿", live=False)
    portal.article(other, "别的栏目")
    hidden = portal.column("内部", "internal", parent=news)
    PageViewRestriction.objects.create(page=hidden, restriction_type=PageViewRestriction.LOGIN)
    portal.article(hidden, "只给登录者看")

    entries = _entries(Client().get(f"/feeds/{news.pk}/"))

    assert [entry["title"] for entry in entries] == ["新闻", "子栏目的新闻", "旧闻"]
    newest = entries[0]
    assert newest["link"].startswith("http://testserver/news/")
    assert newest["published"].startswith(fresh.published_on.isoformat())
    assert newest["updated"].startswith(fresh.last_published_at.date().isoformat()[:4])


def test_feed_of_an_unknown_a_draft_or_a_restricted_column_is_not_found(portal):
    news = portal.column("教育新闻", "news")
    draft = portal.column("草稿栏目", "draft-column")
    draft.unpublish()
    closed = portal.column("内部栏目", "closed")
    PageViewRestriction.objects.create(page=closed, restriction_type=PageViewRestriction.LOGIN)
    article = portal.article(news, "新闻")
    client = Client()
    for page_id in (999999, draft.pk, closed.pk, article.pk, portal.home.pk):
        assert client.get(f"/feeds/{page_id}/").status_code == 404, page_id
    assert client.get("/feeds/abc/").status_code == 404


def test_a_column_page_announces_its_feed(portal):
    news = portal.column("教育新闻", "news")
    html = Client().get(news.url).content.decode()
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="教育新闻 (Atom feed)" '
        f'href="/feeds/{news.pk}/">'
    ) in html or f'href="/feeds/{news.pk}/"' in html
    # Other pages have no feed of their own.
    assert "application/atom+xml" not in Client().get(portal.sitemap.url).content.decode()


def test_sitemap_xml_lists_live_public_pages_with_their_last_publication(portal):
    news = portal.column("教育新闻", "news")
    article = portal.article(news, "新闻")
    draft = portal.article(news, "草稿", live=False, slug="draft-item")
    closed = portal.column("内部栏目", "closed")
    PageViewRestriction.objects.create(page=closed, restriction_type=PageViewRestriction.LOGIN)

    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    urls = {
        url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod")
        for url in ET.fromstring(response.content).findall(f"{SITEMAP}url")
    }
    # Addresses as the Wagtail site names itself (its host name), with the publication.
    assert news.full_url in urls
    assert urls[article.full_url] is not None
    assert urls[article.full_url].text[:10] == article.last_published_at.date().isoformat()
    assert not any(draft.slug in loc for loc in urls)
    assert not any("/closed/" in loc for loc in urls)


def test_robots_txt_allows_the_portal_and_keeps_crawlers_out_of_admin_api_and_signed_media():
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    for prefix in ("/cms/", "/admin/", "/api/", "/objects/", "/stream/"):
        assert f"Disallow: {prefix}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert Client().post("/robots.txt").status_code == 405
