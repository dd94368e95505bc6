"""The PDF preview on a 390 px phone: the fit-width button is shown, inside the screen,
finger-sized, and brings a zoomed-in page back to the width of the screen (issue 12: it
was hidden on phones, so a zoomed page could not be fitted again)."""

from __future__ import annotations

import pytest

from catalog.blobs import blob_from_file
from catalog.models import ResourceFile
from tests.browser.conftest import PHONE, page_width
from tests.browser.test_catalog_pages import _pdf, _resource

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOT = "/tmp/pdf-fit-width-phone.png"


def test_fit_width_is_visible_and_usable_at_390_px(open_page, live_server, teacher, tmp_path):
    expect = pytest.importorskip("playwright.sync_api").expect
    courseware = _resource(teacher, "勾股定理课件", "courseware", preview_state="ready")
    blob = blob_from_file(_pdf(tmp_path / "preview.pdf"), content_type="application/pdf")
    ResourceFile.objects.create(
        resource=courseware, blob=blob, role=ResourceFile.Role.PREVIEW, filename="preview.pdf"
    )

    page = open_page(teacher, locale="zh-CN")
    page.goto(f"{live_server.url}/resources/{courseware.pk}/")
    expect(page.locator(".pdf-viewer canvas").first).to_be_visible(timeout=30_000)
    fit = page.locator("[data-action=fit]")
    expect(fit).to_be_visible()
    expect(fit).to_have_text("适合宽度")
    expect(fit).to_be_enabled()
    box = fit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["height"] >= 40, box  # a finger-sized target
    for action in ("prev", "next", "zoom-in", "zoom-out"):
        control = page.locator(f"[data-action={action}]").bounding_box()
        assert control["x"] + control["width"] <= PHONE["width"], (action, control)

    sheet = page.locator(".pdf-viewer__sheet").first
    pages = page.locator("[data-pages]")
    fitted = sheet.bounding_box()["width"]
    assert fitted <= pages.bounding_box()["width"]
    page.locator("[data-action=zoom-in]").click()
    page.locator("[data-action=zoom-in]").click()
    expect(page.locator("[data-zoom-level]")).not_to_have_text("100%")
    page.wait_for_function(
        "w => document.querySelector('.pdf-viewer__sheet').getBoundingClientRect().width > w",
        arg=fitted + 1,
    )

    fit.click()
    expect(page.locator("[data-zoom-level]")).to_have_text("100%")
    page.wait_for_function(
        "w => Math.abs(document.querySelector('.pdf-viewer__sheet')"
        ".getBoundingClientRect().width - w) < 2",
        arg=fitted,
    )
    width = page_width(page)
    assert width <= PHONE["width"], width
    page.screenshot(path=SCREENSHOT, full_page=True)
