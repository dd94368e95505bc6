"""The review loop in a real browser, every page at 390 px: a teacher uploads a short
video through the upload page (sent for review), the school's reviewer finds it on
/review/ with the "who reviews what" box, ticks it and approves it, and a student of the
same school opens the resource and watches it.

The live server runs in this process: the processing job is run by the test between two
of the upload page's polls (see test_upload_page), document previews are not built.
"""

from __future__ import annotations

import pytest

from catalog.models import Resource
from edu_portal.accounts.roles import Role
from edu_portal.workflow.models import ReviewEvent, State
from media_pipeline.processing import tasks
from media_pipeline.processing.models import ProcessingJob
from tests.browser.conftest import assert_fits
from tests.browser.test_player import start_playing
from tests.browser.test_upload_page import run_job_between_polls, wait_for_job
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "一年级数学 认识钟表 微课"
SCREENSHOT = "/tmp/review-page.png"


def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from catalog.previews import tasks as preview_tasks

    monkeypatch.setattr(tasks.process_job_task, "delay", lambda *a, **k: None)
    monkeypatch.setattr(preview_tasks.build_preview_task, "delay", lambda *a, **k: None)


@pytest.fixture
def school_reviewer(school):
    return make_user("reviewer_he", Role.SCHOOL_REVIEWER, school, display_name="何老师")


def test_teacher_uploads_school_reviewer_approves_student_watches(
    open_page, live_server, teacher, school_reviewer, student, clip, intranet_settings
):
    # 1. The teacher uploads a video; "submit for review" is ticked by default.
    page = open_page(teacher, locale="zh-CN")
    page.goto(f"{live_server.url}/upload/")
    assert_fits(page)
    page.set_input_files("#upload-file", str(clip))
    page.fill("#upload-title", TITLE)
    assert page.locator("#upload-kind").input_value() == "video"
    assert page.locator("#upload-submit").is_checked()
    page.click("#upload-start")
    job = wait_for_job()
    assert run_job_between_polls(page, job.pk) == ProcessingJob.State.READY
    expect()(page.locator("#upload-done")).to_be_visible(timeout=30_000)
    assert_fits(page)
    page.close()  # no poll may reach the live server while the test reads the database
    resource = Resource.objects.get(pk=job.resource_id)
    assert (resource.title, resource.state) == (TITLE, State.IN_REVIEW)
    assert resource.org_unit_id == teacher.org_unit_id

    # 2. The school's reviewer sees it in her queue, with who reviews what, and approves.
    page = open_page(school_reviewer, locale="zh-CN")
    page.goto(f"{live_server.url}/review/")
    assert_fits(page)
    page.screenshot(path=SCREENSHOT, full_page=True)
    expect()(page.locator("h1")).to_have_text("审核队列")
    routing = page.locator(".review-routing")
    expect()(routing).to_contain_text("谁来审核")
    expect()(routing).to_contain_text("城南小学")
    item = page.locator(f"#item-catalog\\.resource-{resource.pk}")
    expect()(item).to_contain_text(TITLE)
    expect()(item.locator(".review-thumb")).to_be_visible()
    preview = item.get_by_role("link", name="打开完整预览")
    assert preview.get_attribute("href") == f"/resources/{resource.pk}/"
    # the filter opens and narrows to videos (the module script runs under the CSP)
    page.locator(".review-filters summary").click()
    page.select_option("#id_kind", "video")
    page.locator(".review-filter-form button[type=submit]").click()
    page.wait_for_url("**/review/?*kind=video*")
    assert_fits(page)
    select_all = page.locator("input[data-select-all]")
    expect()(select_all).to_be_visible()
    select_all.check()
    expect()(page.locator("[data-selected-count]")).to_have_text("已勾选： 1")
    page.locator("#bulk-form button[value=approve]").click()
    page.wait_for_url("**/review/?*")
    expect()(page.locator(".message-success")).to_contain_text(TITLE)
    expect()(page.locator(f"#item-catalog\\.resource-{resource.pk}")).to_have_count(0)
    assert_fits(page)
    resource.refresh_from_db()
    assert resource.state == State.PUBLISHED
    assert ReviewEvent.objects.get(action="approve").actor == school_reviewer

    # 3. A student of the school finds it published and watches it.
    page = open_page(student, locale="zh-CN")
    response = page.goto(f"{live_server.url}/resources/{resource.pk}/")
    assert response.status == 200
    expect()(page.locator("h1")).to_have_text(TITLE)
    assert_fits(page)
    response = page.goto(f"{live_server.url}/watch/{resource.pk}/")
    assert response.status == 200
    assert_fits(page)
    start_playing(page)
    assert_fits(page)
    # Stop the player (segment requests, viewing beacons) before the database is flushed.
    page.close()
