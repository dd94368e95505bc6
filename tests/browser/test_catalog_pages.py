"""In a real browser on a 390 px phone: search, narrow the results with a facet, remove it
again, open a resource and see its PDF preview drawn by pdf.js. Skipped where Chromium or
Playwright is missing (see conftest.py). Here rather than in tests/catalog_pages so that it
shares the session's one Playwright instance (a second one in the same loop fails)."""

from __future__ import annotations

import io
import re

import pytest

from catalog.blobs import blob_from_file
from catalog.models import Resource, ResourceFile
from catalog.search import services
from catalog.taxonomy import Subject
from edu_portal.workflow.models import State
from tests.browser.conftest import PHONE, page_width

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOT = "/tmp/catalog-detail-phone.png"
LIST_SCREENSHOT = "/tmp/catalog-list-phone.png"


def _pdf(path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _resource(teacher, title: str, kind: str, **fields) -> Resource:
    from django.utils import timezone

    resource = Resource.objects.create(
        title=title,
        kind=kind,
        uploader=teacher,
        org_unit=teacher.org_unit,
        visibility="public",
        state=State.PUBLISHED,
        published_at=timezone.now(),
        status=Resource.Status.READY,
        stage="junior",
        grade=8,
        subject=Subject.objects.get(code="math"),
        **fields,
    )
    return resource


def test_search_filter_and_open_a_preview_on_a_phone(
    open_page,
    live_server,
    teacher,
    tmp_path,
):
    expect = pytest.importorskip("playwright.sync_api").expect
    courseware = _resource(teacher, "勾股定理课件", "courseware", preview_state="ready")
    blob = blob_from_file(_pdf(tmp_path / "preview.pdf"), content_type="application/pdf")
    ResourceFile.objects.create(
        resource=courseware, blob=blob, role=ResourceFile.Role.PREVIEW, filename="preview.pdf"
    )
    exercise = _resource(teacher, "勾股定理练习", "exercise")
    for resource in (courseware, exercise):
        services.update(resource.pk)

    page = open_page(teacher)
    page.goto(f"{live_server.url}/resources/")
    page.locator("main").get_by_role("searchbox").fill("勾股")
    page.locator("main").get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".resource-item")).to_have_count(2)
    expect(page.locator(".results-count")).to_contain_text("2 results")
    expect(page.locator(".resource-title mark").first).to_have_text("勾股")

    # The filter panel starts folded on a phone; open it and choose "Exercise".
    panel = page.locator("details.facets")
    expect(panel).not_to_have_attribute("open", re.compile(".*"))
    panel.locator("summary").click()
    page.screenshot(path="/tmp/catalog-facets-phone.png", full_page=True)
    page.locator(".facet-link", has_text="Exercise").click()
    expect(page.locator(".resource-item")).to_have_count(1)
    expect(page.locator(".resource-item")).to_contain_text("定理练习")
    assert "kind=exercise" in page.url

    # Remove the filter again with its chip.
    page.locator(".chosen .chip-remove").click()
    expect(page.locator(".resource-item")).to_have_count(2)

    # Nothing on the list page is wider than the phone.
    width = page_width(page)
    assert width <= PHONE["width"], width
    page.screenshot(path=LIST_SCREENSHOT, full_page=True)

    page.locator(".resource-title a", has_text="定理课件").click()
    expect(page.locator("h1")).to_have_text("勾股定理课件")
    expect(page.locator(".pdf-viewer canvas").first).to_be_visible(timeout=30_000)
    expect(page.locator("[data-page-count]")).to_contain_text("2")
    expect(page.get_by_role("link", name="Download").first).to_be_visible()
    width = page_width(page)
    assert width <= PHONE["width"], width
    page.screenshot(path=SCREENSHOT, full_page=True)
