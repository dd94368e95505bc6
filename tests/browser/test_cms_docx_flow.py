"""The issue's done-when test: a department editor creates an article from a DOCX with an
extra attachment (``/cms/docx/<column>/``) and submits it in the Wagtail editor; the office
reviewer approves it from ``/review/``; an anonymous visitor on a 390 px phone finds it
with the header's site search and opens it, with both attachments listed. Skipped where
Chromium or Playwright is missing."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.browser.test_cms_admin import (  # noqa: F401 (fixtures)
    approve_in_queue,
    eager_tasks,
    expect,
    newsroom,
    review_item,
    submit_in_editor,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "关于做好2027年寒假期间学生安全教育工作的通知"


def _docx(path, heading: str, paragraphs: list[str]):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    rows = (("时间", "内容"), ("1月20日", "安全教育主题班会"))
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.save(path)
    return path


def test_docx_to_review_to_site_search_on_a_phone(
    browser,
    open_page,
    live_server,
    newsroom,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    from edu_portal.cms.models import ArticlePage
    from edu_portal.cms.models.search import SiteSearchEntry

    letter = _docx(
        tmp_path / "寒假安全通知.docx",
        TITLE,
        ["各中小学校：", "为确保学生度过一个平安、健康的寒假，现就有关事项通知如下。"],
    )
    extra = _docx(tmp_path / "致家长的一封信.docx", "致家长的一封信", ["请家长履行监护责任。"])

    # 1. The department editor: a draft from the Word document, then submitted.
    page = open_page(newsroom["editor"])
    reports = watch_violations(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/cms/docx/{newsroom['news'].pk}/")
    page.set_input_files('input[name="docx"]', str(letter))
    page.set_input_files('input[name="attachments"]', [str(extra)])
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url("**/cms/pages/*/edit/")
    article = wait_for(lambda: ArticlePage.objects.filter(title=TITLE).first())
    assert "平安、健康的寒假" in article.body
    assert article.attachments.count() == 2
    page.get_by_role("tab", name="Promote").click()
    page.locator("#id_slug").fill("winter-holiday-safety")
    page.get_by_role("tab", name="Content").click()
    submit_in_editor(page)
    item = wait_for(lambda: review_item(article))
    assert violations(page, reports) == []

    # 2. The office reviewer approves it in the platform's queue.
    approve_in_queue(open_page(newsroom["office"]), live_server.url, item.pk)
    wait_for(lambda: ArticlePage.objects.filter(pk=article.pk, live=True).exists())
    # Indexed after the approval's commit (site search, part D), a moment after it is live.
    indexed = SiteSearchEntry.objects.filter(type="article", object_id=article.pk)
    wait_for(indexed.exists)

    # 3. An anonymous visitor on a phone finds it with the header's search box.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(20_000)
    visitor = context.new_page()
    seen = watch_violations(visitor)
    try:
        visitor.goto(f"{live_server.url}/resources/")
        box = visitor.get_by_role("search").first.get_by_role("searchbox")
        box.fill("寒假")
        box.press("Enter")
        found = visitor.locator('.search-result[data-type="article"]')
        expect()(found).to_have_count(1)
        expect()(found).to_contain_text("寒假")
        assert_fits(visitor)
        found.locator("h2 a").click()
        expect()(visitor).to_have_url(f"{live_server.url}/notices/winter-holiday-safety/")
        expect()(visitor.locator("h1")).to_contain_text(TITLE)
        expect()(visitor.locator("main")).to_contain_text("平安、健康的寒假")
        expect()(visitor.locator("main")).to_contain_text("致家长的一封信")
        assert_fits(visitor)
        visitor.screenshot(path="/tmp/cms-docx-flow-article.png", full_page=True)
        assert violations(visitor, seen) == []
    finally:
        context.close()
