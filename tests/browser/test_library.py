"""The e-book library on a 390 px phone, in Chinese: no horizontal overflow; filter by
grade, open a book's page and see its cover and authors; the read button opens the reader.
Skipped where Chromium or Playwright is missing (see conftest.py)."""

from __future__ import annotations

import re

import pytest

from catalog.models import Subject
from ebooks.ingest import ingest_file
from tests.browser.conftest import assert_fits
from tests.ebooks.conftest import make_epub3

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = "/tmp/library-phone-{}.png"


def _book(owner, path, title: str, grade: int, subject: str, authors: list[str]):
    make_epub3(path, {"title": title, "authors": authors, "description": f"{title}的简介。"})
    return ingest_file(
        path,
        owner=owner,
        visibility="public",
        taxonomy={"grade": grade, "subject": Subject.objects.get(code=subject)},
    )


def test_filter_by_grade_and_open_a_book_on_a_phone(
    open_page, live_server, teacher, student, tmp_path
):
    expect = pytest.importorskip("playwright.sync_api").expect
    # Long titles and names: the grid and the page must wrap them, not widen.
    fairy = _book(
        teacher,
        tmp_path / "a.epub",
        "春天的童话：写给三年级小读者的十二个故事",
        3,
        "chinese",
        ["王小明", "李春风"],
    )
    _book(teacher, tmp_path / "b.epub", "数学游戏", 3, "math", ["赵一"])
    _book(teacher, tmp_path / "c.epub", "少年文学读本", 7, "chinese", ["钱二"])

    page = open_page(student, locale="zh-CN")
    page.goto(f"{live_server.url}/ebooks/")
    expect(page.locator(".library-book")).to_have_count(3)
    expect(page.locator(".results-count")).to_contain_text("3")
    assert_fits(page)
    page.screenshot(path=SCREENSHOTS.format("library"), full_page=True)

    # The filter panel starts folded on a phone; open it and choose 三年级 (shown with 2).
    panel = page.locator("details.facets")
    expect(panel).not_to_have_attribute("open", re.compile(".*"))
    panel.locator("summary").click()
    grade = page.locator(".facet-link", has_text="三年级")
    expect(grade.locator(".count")).to_have_text("2")
    assert_fits(page)
    grade.click()
    expect(page.locator(".library-book")).to_have_count(2)
    assert "grade=3" in page.url
    expect(page.locator(".library-grid")).not_to_contain_text("少年文学读本")
    # Sort by title within the grade, keeping the filter.
    page.get_by_role("link", name="书名").click()
    expect(page.locator(".library-title").first).to_have_text("数学游戏")
    assert "grade=3" in page.url and "sort=title" in page.url
    assert_fits(page)
    page.screenshot(path=SCREENSHOTS.format("grade"), full_page=True)

    # Open the book's page from its title: cover, authors, description, read button.
    page.locator(".library-title a", has_text="春天的童话").click()
    expect(page.locator("h1")).to_have_text(fairy.title)
    cover = page.locator(".book-cover img")
    expect(cover).to_be_visible()
    expect(cover).to_have_attribute("alt", f"《{fairy.title}》封面")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", cover.element_handle())
    expect(page.locator(".book-authors")).to_have_text("王小明、李春风")
    expect(page.locator(".detail-description")).to_contain_text("的简介。")
    # The contents are folded; they open with one tap.
    toc = page.locator("details.book-toc")
    expect(toc.locator("ol").first).not_to_be_visible()
    toc.locator("summary").click()
    expect(toc).to_contain_text("第一节 古诗")
    assert_fits(page)
    page.screenshot(path=SCREENSHOTS.format("book"), full_page=True)

    page.get_by_role("link", name="阅读", exact=True).click()
    page.wait_for_url(re.compile(rf"/read/{fairy.pk}/$"))
