"""The e-book reader in Debian's Chromium on a 390 px phone: an EPUB rendered by epub.js
in a frame without scripts, pages turned, text made larger, the position saved and
restored; a PDF drawn by pdf.js with its outline; the refusal outside the intranet."""

from __future__ import annotations

import ipaddress

import pytest

from ebooks.ingest import ingest_file
from ebooks.reader.models import ReadingPosition
from tests.browser.conftest import PHONE, page_width
from tests.ebooks.conftest import make_epub3, make_pdf, soffice_path

pytestmark = pytest.mark.django_db(transaction=True)
READY = "#reader[data-state='ready']"


def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def epub(teacher, tmp_path, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return ingest_file(make_epub3(tmp_path / "book.epub"), owner=teacher, visibility="intranet")


def test_epub_renders_turns_pages_and_remembers_the_place(open_page, live_server, epub, student):
    page = open_page(student)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/read/{epub.pk}/")
    page.wait_for_selector(READY)
    expect()(page.locator("[data-reader-message]")).to_be_hidden()

    frame_el = page.locator("#reader-view iframe")
    sandbox = frame_el.get_attribute("sandbox") or ""
    assert "allow-scripts" not in sandbox.split(), sandbox
    assert frame_el.get_attribute("sandbox") is not None
    book = page.frame_locator("#reader-view iframe")
    expect()(book.locator("body")).to_contain_text("春眠不觉晓")

    # The table of contents comes from the book's nav document.
    page.get_by_role("button", name="Contents").click()
    expect()(page.locator("#reader-toc")).to_contain_text("第二章 夏天")
    page.locator("#reader-toc a", has_text="第三章 秋天").click()
    expect()(page.frame_locator("#reader-view iframe").locator("body")).to_contain_text("霜叶红于")

    # Keys turn pages (the chapters are one page each here).
    page.keyboard.press("ArrowLeft")
    expect()(page.frame_locator("#reader-view iframe").locator("body")).to_contain_text("小荷才露")
    expect()(page.locator("[data-progress]")).to_contain_text("% read")

    # Larger text, kept in localStorage.
    body = page.frame_locator("#reader-view iframe").locator("body")
    before = body.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    page.get_by_role("button", name="Larger text").click()
    page.get_by_role("button", name="Larger text").click()
    expect()(page.locator("[data-font-size]")).to_have_text("120%")
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.querySelector('#reader-view iframe')"
        ".contentDocument.body).fontSize) > " + str(before)
    )
    assert page.evaluate("localStorage.getItem('reader.fontSize')") == "120"

    # The place is saved (debounced) and the book opens there again.
    page.wait_for_function("document.getElementById('reader').dataset.saved === '1'")
    saved = ReadingPosition.objects.get(user=student, resource=epub)
    assert saved.location.startswith("epubcfi(") and 0 < saved.progress < 1
    page.reload()
    page.wait_for_selector(READY)
    expect()(page.frame_locator("#reader-view iframe").locator("body")).to_contain_text("小荷才露")
    expect()(page.locator("[data-font-size]")).to_have_text("120%")

    assert page_width(page) <= PHONE["width"]
    page.screenshot(path="/tmp/reader-epub-phone.png")
    assert not errors, errors


def test_pdf_renders_with_its_outline(open_page, live_server, teacher, student, tmp_path):
    if soffice_path() is None:
        pytest.skip("LibreOffice is needed to make a PDF")
    resource = ingest_file(make_pdf(tmp_path / "book.pdf"), owner=teacher, visibility="public")
    page = open_page(student)
    page.goto(f"{live_server.url}/read/{resource.pk}/")
    expect()(page.locator(".pdf-viewer canvas").first).to_be_visible(timeout=20_000)
    page.wait_for_selector(READY)
    expect()(page.locator("[data-reader-message]")).to_be_hidden()
    page.get_by_role("button", name="Contents").click()
    link = page.locator("#reader-toc a", has_text="第二章 夏天")
    target = link.get_attribute("data-page")
    link.click()
    expect()(page.locator("[data-page-input]")).to_have_value(target)
    page.wait_for_function("document.getElementById('reader').dataset.saved === '1'")
    assert ReadingPosition.objects.get(user=student, resource=resource).location == target
    # Students may read but not download.
    assert page.locator(".reader-download").count() == 0
    page.screenshot(path="/tmp/reader-pdf-phone.png")


def test_outside_the_intranet_the_reader_says_why(browser, live_server, epub, settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    context = browser.new_context(
        viewport=PHONE, locale="en-US", extra_http_headers={"X-Forwarded-For": "8.8.8.8"}
    )
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}/read/{epub.pk}/")
        assert response.status == 403
        expect()(page.locator("main")).to_contain_text("education intranet")
        assert page.locator("#reader-view").count() == 0
        book = page.request.get(f"{live_server.url}/read/{epub.pk}/book.epub")
        assert book.status == 403
    finally:
        context.close()
