"""Site search on a 390 px phone, as an anonymous visitor: type in the header's search box,
see results of two types, narrow them with a type link; no horizontal overflow and no
Content-Security-Policy violation. Skipped where Chromium or Playwright is missing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.utils import timezone

from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager_tasks():
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def content(eager_tasks, teacher, settings):
    """A home page, a news column with an article, and a public resource (indexed by the
    signals as they would be in production)."""
    from wagtail.models import Page, Site

    from catalog.models import Resource
    from edu_portal.cms.models import ArticlePage, ColumnPage, HomePage

    settings.SEARCH_URL = "db://"
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="示范县教育局", slug=f"h-{uuid.uuid4().hex[:6]}"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    news = home.add_child(instance=ColumnPage(title="教育新闻", slug="news", kind="news"))
    article = news.add_child(
        instance=ArticlePage(
            title="关于开展中小学生防溺水安全教育的通知（请各校于本周内完成专题班会并报送总结材料）",
            slug="drowning",
            body="<p>各学校要利用班会、家长会开展防溺水安全教育。</p>",
            published_on=date(2026, 11, 28),
            live=False,
        )
    )
    article.save_revision().publish()
    Resource.objects.create(
        title="防溺水安全教育主题班会课件",
        uploader=teacher,
        kind="courseware",
        visibility="public",
        state="published",
        published_at=timezone.now(),
    )


def test_search_from_the_header_on_a_phone(browser, live_server, content):
    expect = pytest.importorskip("playwright.sync_api").expect
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    reports = watch_violations(page)
    try:
        page.goto(f"{live_server.url}/resources/")
        box = page.get_by_role("search").first.get_by_role("searchbox")
        expect(box).to_be_visible()
        assert_fits(page)
        box.fill("防溺水")
        box.press("Enter")

        results = page.locator(".search-result")
        expect(results).to_have_count(2)
        expect(page.locator('.search-result[data-type="article"]')).to_have_count(1)
        expect(page.locator('.search-result[data-type="resource"]')).to_have_count(1)
        expect(page.locator(".search-result mark").first).to_have_text("防溺水")
        assert_fits(page)
        page.screenshot(path="/tmp/site-search-phone.png", full_page=True)

        page.locator('.search-facets a[data-type="resource"]').click()
        expect(page.locator(".search-result")).to_have_count(1)
        expect(page.locator(".search-result")).to_have_attribute("data-type", "resource")
        expect(page.locator('.search-facets a[data-type="resource"]')).to_have_attribute(
            "aria-current", "true"
        )
        assert_fits(page)

        page.get_by_role("link", name="全部").click()
        expect(page.locator(".search-result")).to_have_count(2)
        page.locator('.search-result[data-type="article"] h2 a').click()
        expect(page).to_have_url(f"{live_server.url}/news/drowning/")
        assert violations(page, reports) == []
    finally:
        context.close()
