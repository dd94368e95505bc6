"""The author's loop in a real browser, at 390 px: a reviewer sends an upload back with a
comment; the teacher is notified, opens the resource from the notification, edits the
title, replaces the file, resubmits with a note; the reviewer reads the note and approves.

The live server runs in this process: background tasks are recorded, not run (the file's
preview is not what this test is about).
"""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction

from catalog import actions as catalog_actions
from catalog.models import Resource, ResourceFile
from catalog.sources import StoredSource
from edu_portal.accounts import actions as account_actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from edu_portal.storage import get_storage
from edu_portal.workflow.models import ReviewEvent, State
from tests.browser.conftest import page_width
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PDF = (
    b"%PDF-1.4\n1 0 obj<< /Type /Catalog /Pages 2 0 R >>endobj\n"
    b"2 0 obj<< /Type /Pages /Kids [] /Count 0 >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"
)
COMMENT = "第三页有错别字，请改正后重新提交。"
NOTE = "已改正第三页的错别字，标题也改了。"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from catalog.previews import tasks as preview_tasks

    monkeypatch.setattr(preview_tasks.build_preview_task, "delay", lambda *a, **k: None)


@pytest.fixture
def people():
    bureau = account_actions.create_org_unit(
        account_actions.SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "b-bureau"
    )
    school = account_actions.create_org_unit(
        account_actions.SYSTEM, bureau, OrgUnit.Kind.SCHOOL, "城南小学", "b-school"
    )
    teacher = make_user("teacher_li", Role.TEACHER, school, display_name="李老师")
    reviewer = make_user("reviewer_he", Role.SCHOOL_REVIEWER, school, display_name="何老师")
    return teacher, reviewer


@pytest.fixture
def submitted(people) -> Resource:
    """The teacher's courseware, uploaded and submitted for review."""
    teacher, _reviewer = people
    key = "uploads/browser-author/source"
    get_storage().put_bytes(key, PDF)
    source = StoredSource(
        key=key,
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        content_type="application/pdf",
        filename="三角形.pdf",
    )
    with transaction.atomic():
        resource = catalog_actions.create_resource(
            teacher, source=source, title="三角形 课件", kind="courseware", submit=True
        )
    return resource


def fits_390(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    width = page_width(page)
    assert width <= 390, f"{page.url} is {width}px wide at 390"


def test_sent_back_edited_replaced_resubmitted_and_approved(
    open_page, live_server, people, submitted, tmp_path
):
    from playwright.sync_api import expect

    teacher, reviewer = people
    base = live_server.url

    # The reviewer sends it back with a comment.
    review = open_page(reviewer)
    review.goto(f"{base}/review/")
    fits_390(review)
    item = review.locator(f"#item-catalog\\.resource-{submitted.pk}")
    item.locator("textarea[name=comment]").fill(COMMENT)
    item.get_by_role("button", name="Request changes").click()
    review.wait_for_load_state()
    submitted.refresh_from_db()
    assert submitted.state == State.CHANGES_REQUESTED

    # The teacher is notified (the bell), and the notification leads to the edit page.
    author = open_page(teacher)
    author.goto(f"{base}/")
    expect(author.locator(".header-bell .bell-count")).to_contain_text("1")
    fits_390(author)
    author.locator(".header-bell").click()
    expect(author.locator(".note-list")).to_contain_text("三角形 课件")
    expect(author.locator(".note-list")).to_contain_text(COMMENT)
    fits_390(author)
    author.locator(".note-actions").get_by_role("button", name="Open").first.click()
    author.wait_for_url(f"{base}/resources/{submitted.pk}/edit/")
    expect(author.locator(".author-comment")).to_contain_text(COMMENT)
    fits_390(author)

    # My resources shows it, sent back, with the comment.
    author.goto(f"{base}/resources/mine/")
    row = author.locator(f"#resource-{submitted.pk}")
    expect(row).to_contain_text(COMMENT)
    fits_390(author)
    row.get_by_role("link", name="Edit and resubmit").click()
    author.wait_for_url(f"{base}/resources/{submitted.pk}/edit/")

    # Edit the title.
    author.fill("#id_title", "三角形 课件（修订版）")
    author.get_by_role("button", name="Save changes").click()
    author.wait_for_url(f"{base}/resources/{submitted.pk}/edit/")
    expect(author.locator(".messages")).to_contain_text("were saved")
    fits_390(author)

    # Replace the file: sent by tus, then swapped on the server.
    corrected = tmp_path / "三角形-修订.pdf"
    corrected.write_bytes(PDF + b"% corrected page 3\n")
    expect(author.locator("#upload-pause")).to_be_hidden()
    expect(author.locator("#upload-resume")).to_be_hidden()
    author.set_input_files("#upload-file", str(corrected))
    author.get_by_role("button", name="Upload and replace").click()
    expect(author.locator(".messages")).to_contain_text("The file was replaced", timeout=30_000)
    expect(author.locator(".author-file")).to_contain_text("三角形-修订.pdf")
    fits_390(author)
    original = ResourceFile.objects.get(resource=submitted, role="original")
    assert original.filename == "三角形-修订.pdf"

    # Resubmit with a note.
    author.fill("#submit-note", NOTE)
    author.locator("section", has=author.locator("#submit-note")).get_by_role(
        "button", name="Resubmit for review"
    ).click()
    author.wait_for_url(f"{base}/resources/mine/")
    expect(author.locator(f"#resource-{submitted.pk}")).to_contain_text("In review")
    fits_390(author)
    step = ReviewEvent.objects.filter(object_id=str(submitted.pk)).order_by("-pk").first()
    assert (step.action, step.comment) == ("submit", NOTE)

    # The reviewer reads the note and approves.
    review.goto(f"{base}/review/")
    item = review.locator(f"#item-catalog\\.resource-{submitted.pk}")
    expect(item).to_contain_text("三角形 课件（修订版）")
    expect(item).to_contain_text(NOTE)
    fits_390(review)
    item.get_by_role("button", name="Approve and publish").click()
    review.wait_for_load_state()
    submitted.refresh_from_db()
    assert submitted.state == State.PUBLISHED and submitted.title == "三角形 课件（修订版）"

    # Published, it stays in My resources.
    author.goto(f"{base}/resources/mine/?state=published")
    expect(author.locator(f"#resource-{submitted.pk}")).to_contain_text("Published")
    fits_390(author)
