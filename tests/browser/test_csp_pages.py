"""Every main page under the Content-Security-Policy, in Debian's Chromium: each one sends
the header, works, and reports no violation (no inline script or style, no eval, no load
from a source the policy leaves out)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.blobs import blob_from_file
from catalog.models import Resource, ResourceFile
from ebooks.ingest import ingest_file
from edu_portal.workflow.models import State
from tests.browser import test_player
from tests.browser.csp import violations, watch_violations
from tests.browser.test_catalog_pages import _pdf
from tests.ebooks.conftest import make_epub3

pytestmark = pytest.mark.django_db(transaction=True)
# The player's published output set (transcoded once per session) and its READY video.
player_output = test_player.player_output
video = test_player.video


@pytest.fixture
def courseware(teacher, tmp_path) -> Resource:
    """A published courseware item with a PDF preview (drawn by pdf.js on its page)."""
    resource = Resource.objects.create(
        title="勾股定理课件",
        kind="courseware",
        uploader=teacher,
        org_unit=teacher.org_unit,
        visibility="public",
        state=State.PUBLISHED,
        published_at=timezone.now(),
        status=Resource.Status.READY,
        preview_state="ready",
    )
    blob = blob_from_file(_pdf(tmp_path / "preview.pdf"), content_type="application/pdf")
    ResourceFile.objects.create(
        resource=resource, blob=blob, role=ResourceFile.Role.PREVIEW, filename="preview.pdf"
    )
    return resource


@pytest.fixture
def epub(teacher, tmp_path, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return ingest_file(make_epub3(tmp_path / "book.epub"), owner=teacher, visibility="intranet")


@pytest.fixture
def pdf_book(teacher, tmp_path, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return ingest_file(_pdf(tmp_path / "book.pdf"), owner=teacher, visibility="intranet")


def _check(page, reports, live_server, path: str, ready: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy, (path, policy)
    assert "unsafe-eval" not in policy and "object-src 'none'" in policy, (path, policy)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    found = violations(page, reports)
    assert not found, (path, found)


def test_main_pages_render_without_violations(
    open_page, live_server, teacher, courseware, epub, pdf_book, request
):
    video = request.getfixturevalue("video")
    page = open_page(teacher)
    reports = watch_violations(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    pages = [
        ("/", "main"),
        ("/resources/", ".resource-item"),
        (f"/resources/{courseware.pk}/", "[data-pdf-viewer].is-ready"),
        (f"/watch/{video.pk}/", "video"),
        (f"/read/{epub.pk}/", "#reader[data-state='ready']"),
        (f"/read/{pdf_book.pk}/", "#reader[data-state='ready']"),
        ("/ebooks/", "main"),
        ("/upload/", "main"),
        ("/opds/token/", ".opds-token"),
        ("/api/docs/", ".swagger-ui .info"),
    ]
    for path, ready in pages:
        reports.clear()
        _check(page, reports, live_server, path, ready)
        if path.startswith("/watch/"):
            page.wait_for_function(test_player.HLS_READY)
    assert not errors, errors


def test_sign_in_and_admin_pages_render_without_violations(browser, live_server):
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        reports = watch_violations(page)
        for path, ready in [("/accounts/login/", "form"), ("/admin/login/", "#login-form")]:
            reports.clear()
            _check(page, reports, live_server, path, ready)
    finally:
        context.close()


def test_an_inline_script_is_refused(open_page, live_server, teacher):
    """The policy is enforced, not only sent: a script injected into a page does not run."""
    page = open_page(teacher)
    reports = watch_violations(page)
    page.goto(f"{live_server.url}/")
    ran = page.evaluate(
        """() => new Promise((resolve) => {
            window.__injected = false;
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.append(script);
            setTimeout(() => resolve(window.__injected), 200);
        })"""
    )
    assert ran is False
    assert any("script-src" in line for line in violations(page, reports))
