"""Accessibility of the public portal in Chromium at 390 px: axe-core finds nothing serious
on the home page, a column, an article, the site map and the search page, in the standard
look and in high contrast; the text-size and contrast choices are remembered; the skip
link and the header's menu work from the keyboard; no CSP violation."""

from __future__ import annotations

import pytest

from tests.browser.axe import serious_violations
from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.cms.site.conftest import _own_cache, portal  # noqa: F401 (fixtures)

BROWSER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


@pytest.fixture
def pages(portal):  # noqa: F811
    news = portal.column("教育新闻", "news")
    portal.column("通知公告", "announcements", kind="notice")
    article = portal.article(
        news,
        "示范县召开2026年秋季学期教育工作会议，部署教学质量提升和校园安全工作",
        slug="autumn-meeting",
        body="<h2>会议内容</h2><p>会议总结了上学期工作。</p><ul><li>教学质量</li><li>校园安全</li></ul>",
    )
    return {
        "home": "/",
        "column": news.url,
        "article": article.url,
        "sitemap": portal.sitemap.url,
        "search": "/search/?q=教育",
    }


@pytest.fixture
def visitor(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", user_agent=BROWSER_AGENT)
    context.set_default_timeout(20_000)
    page = context.new_page()
    reports = watch_violations(page)
    yield page, reports, live_server.url
    context.close()


@pytest.mark.parametrize("name", ["home", "column", "article", "sitemap", "search"])
def test_no_serious_axe_violations_standard_and_high_contrast(pages, visitor, name):
    page, reports, base = visitor
    page.goto(base + pages[name])
    assert_fits(page)
    assert serious_violations(page) == [], name

    page.get_by_role("button", name="高对比度").click()
    assert page.evaluate("document.documentElement.dataset.contrast") == "high"
    assert serious_violations(page) == [], f"{name} in high contrast"
    assert_fits(page)
    assert violations(page, reports) == []


def test_text_size_and_contrast_are_remembered_across_pages(pages, visitor):
    page, reports, base = visitor
    page.goto(base + pages["home"])
    bigger = page.get_by_role("button", name="特大")
    bigger.click()
    assert bigger.get_attribute("aria-pressed") == "true"
    standard_size = 16
    page.goto(base + pages["article"])
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= standard_size * 1.3
    assert page.get_by_role("button", name="特大").get_attribute("aria-pressed") == "true"
    assert_fits(page)  # the larger text still fits a phone
    assert serious_violations(page) == []

    page.get_by_role("button", name="高对比度").click()
    page.goto(base + pages["column"])
    assert page.evaluate("document.documentElement.dataset.contrast") == "high"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"

    page.get_by_role("button", name="高对比度").click()
    page.get_by_role("button", name="标准").click()
    page.reload()
    assert page.evaluate("document.documentElement.dataset.contrast") is None
    assert page.evaluate("document.documentElement.dataset.textSize") is None
    assert violations(page, reports) == []


def test_skip_link_and_keyboard_in_the_header(pages, visitor):
    page, _reports, base = visitor
    page.goto(base + pages["article"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("document.documentElement.lang").lower().startswith("zh")
    # Landmarks: one banner, one navigation named, one main, one contentinfo.
    assert page.locator("header.site-header").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("footer.site-footer").count() == 1
    assert page.locator("nav[aria-label]").count() >= 1

    # The text-size buttons are reached and pressed with the keyboard too.
    page.get_by_role("button", name="大", exact=True).focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.dataset.textSize") == "large"


def test_arrow_keys_move_along_the_header_navigation(pages, browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_server.url + pages["column"])
        links = page.locator(".site-nav ul a")
        assert links.count() >= 3
        links.nth(0).focus()
        page.keyboard.press("ArrowRight")
        focused = "document.activeElement.textContent.trim()"
        assert page.evaluate(focused) == links.nth(1).text_content().strip()
        page.keyboard.press("End")
        assert page.evaluate(focused) == links.nth(links.count() - 1).text_content().strip()
        page.keyboard.press("ArrowRight")  # wraps round to the first
        assert page.evaluate(focused) == links.nth(0).text_content().strip()
    finally:
        context.close()
