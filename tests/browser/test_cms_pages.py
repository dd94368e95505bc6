"""The portal's pages on a 390 px phone in Chromium, filled by the demo content: the home
page, a column, an article and the 公开目录 fit the screen without sideways scrolling and
break no Content-Security-Policy rule; the header's columns fold into a menu that opens and
closes from the keyboard."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.cms.structure.conftest import _own_cache  # noqa: F401 (fixture)


@pytest.fixture
def demo_portal(transactional_db):
    from edu_portal.cms import demo

    call_command("seed_demo", stdout=StringIO())
    demo.seed()


@pytest.fixture
def visitor(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    reports = watch_violations(page)
    yield page, reports, live_server.url
    context.close()


PAGES = {
    "home": "/",
    "column": "/disclosure/documents/",
    "article": "/disclosure/documents/enrolment-rules-2023/",
    "catalogue": "/disclosure/information/catalogue/?category=policy",
    "print": "/disclosure/documents/enrolment-rules-2026/print/",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_portal_pages_fit_a_phone_without_csp_violations(demo_portal, visitor, name):
    page, reports, base = visitor
    page.goto(base + PAGES[name])
    page.wait_for_load_state("networkidle")
    assert_fits(page)
    assert violations(page, reports) == []
    if name == "article":
        # The repealed rules say so and lead to the new ones.
        assert page.get_by_text("本文件已废止。").is_visible()
        page.get_by_role("link", name="示范县义务教育阶段学校招生入学工作实施办法").first.click()
        page.wait_for_url("**/enrolment-rules-2026/")
        assert page.get_by_text("本文件修订或替代了：").is_visible()
        assert_fits(page)
    if name == "catalogue":
        rows = page.locator(".catalogue-table tbody tr")
        assert rows.count() >= 3
        assert page.locator("select[name=category]").input_value() == "policy"


def test_header_columns_fold_into_a_menu_on_a_phone(demo_portal, visitor):
    page, reports, base = visitor
    page.goto(base + "/")
    toggle = page.get_by_role("button", name="菜单")
    news_link = page.locator("#site-nav-list").get_by_role("link", name="教育新闻")
    assert toggle.is_visible()
    assert not news_link.is_visible()

    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert news_link.is_visible()
    assert_fits(page)
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not news_link.is_visible()

    toggle.click()
    news_link.click()
    page.wait_for_url("**/news/")
    assert page.locator(".article-list li").count() >= 6
    assert violations(page, reports) == []


def test_wide_screen_shows_the_columns_without_a_menu(demo_portal, browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert not page.get_by_role("button", name="菜单").is_visible()
    assert page.locator("#site-nav-list").get_by_role("link", name="政务公开").is_visible()
    context.close()
