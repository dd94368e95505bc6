"""The upload page in a real browser: form, taxonomy pickers, tus upload, saving the
resource, processing.

The live server runs in this process, so the Celery hand-off is replaced by running the
job in the test itself (media_pipeline.processing.services.process_job) while the page
keeps polling the processing API.
"""

from __future__ import annotations

import json
import time

import pytest
from django.db import OperationalError

from catalog.models import Resource
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from media_pipeline.processing import services, tasks
from media_pipeline.processing.models import ProcessingJob
from tests.browser.conftest import assert_fits

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = "/tmp/upload-page.png"

# Records every state the second progress bar shows (data-state of #processing-box).
WATCH_STATES = """() => {
  window.seenStates = [];
  const box = document.getElementById("processing-box");
  new MutationObserver(() => {
    const state = box.dataset.state;
    if (state && window.seenStates[window.seenStates.length - 1] !== state) {
      window.seenStates.push(state);
    }
  }).observe(box, { attributes: true, attributeFilter: ["data-state"] });
}"""


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Jobs are run by the tests, not sent to a worker (document previews not at all)."""
    from catalog.previews import tasks as preview_tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.process_job_task, "delay", sent.append)
    monkeypatch.setattr(preview_tasks.build_preview_task, "delay", lambda *a, **k: None)
    return sent


@pytest.fixture
def textbook():
    """Junior-high maths of the PEP edition, grade 8, one unit with one lesson. (The seeded
    taxonomy is gone after the first transactional test: made again here if needed.)"""
    from catalog.models import Collection, Edition, Subject, TextbookNode

    Subject.objects.get_or_create(code="math", defaults={"name": "数学", "stages": ""})
    Subject.objects.get_or_create(
        code="science", defaults={"name": "科学", "stages": "primary", "order": 40}
    )
    Edition.objects.get_or_create(code="pep", defaults={"name": "人教版"})
    Collection.objects.get_or_create(slug="local", defaults={"name": "本地资源"})
    Collection.objects.get_or_create(slug="masters", defaults={"name": "名师讲评", "order": 20})
    common = {
        "edition": Edition.objects.get(code="pep"),
        "subject": Subject.objects.get(code="math"),
        "grade": 8,
    }
    book = TextbookNode.add_root(kind="book", name="数学 八年级上册", **common)
    unit = book.add_child(kind="unit", name="第十一章 三角形", **common)
    return unit.add_child(kind="lesson", name="11.1 与三角形有关的线段", **common)


@pytest.fixture
def pdf(tmp_path):
    """A one-page PDF, small and real enough for the upload's content check."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 4\n0000000000 65535 f \n"
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    target = tmp_path / "三角形的高.pdf"
    target.write_bytes(body)
    return target


def expect():
    from playwright.sync_api import expect

    return expect


def wait_for_job(timeout: float = 30) -> ProcessingJob:
    """The job the page's POST made. The test database is SQLite in shared-cache memory,
    where a read meeting the server thread's write fails at once ("table is locked")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            job = ProcessingJob.objects.select_related("resource").first()
        except OperationalError:
            job = None
        if job is not None:
            return job
        time.sleep(0.2)
    raise AssertionError("the page did not create the resource")


def run_job_between_polls(page, job_id: int) -> str:
    """Run the job in this thread while the page's next processing poll is held in the
    browser, so the live server's thread never reads the SQLite tables being written."""
    held = []
    released = False
    pattern = "**/api/v1/resources/**"

    def hold(route):
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route(pattern, hold)
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # route handlers run while Playwright has the thread
    assert held, "the page stopped polling"
    try:
        return services.process_job(job_id)
    finally:
        released = True
        for route in held:
            route.continue_()
        page.unroute(pattern)


def test_a_teacher_uploads_a_video_and_watches_it_being_processed(
    open_page, live_server, teacher, clip
):
    page = open_page(teacher, locale="zh-CN")
    page.goto(f"{live_server.url}/upload/")
    states = json.loads(page.locator("#processing-states").text_content())
    assert states["uploaded"] == "等待中" and states["ready"] == "可播放"
    kinds = page.locator("#upload-kind option").evaluate_all("os => os.map(o => o.value)")
    assert {"courseware", "lesson_plan", "exercise", "document", "video", "audio"} <= set(kinds)
    visibilities = page.locator("#upload-visibility option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert visibilities == ["public", "intranet", "staff"]
    assert page.locator("#upload-visibility").input_value() == "intranet"
    for hidden in ("#upload-pause", "#upload-resume", "#upload-retry", "#upload-done"):
        expect()(page.locator(hidden)).to_be_hidden()

    page.fill("#upload-title", "三年级数学 第三单元 分数的认识")
    page.fill("#upload-description", "城南小学 李老师 公开课")
    page.select_option("#upload-visibility", "staff")
    page.set_input_files("#upload-file", str(clip))
    assert page.locator("#upload-kind").input_value() == "video"  # from the file
    page.uncheck("#upload-submit")
    page.evaluate(WATCH_STATES)
    page.click("#upload-start")

    expect()(page.locator("#upload-progress-box")).to_be_visible()
    page.wait_for_function("document.getElementById('upload-progress').value === 100")
    expect()(page.locator("#processing-status")).to_contain_text("等待中")
    job = wait_for_job()
    resource = job.resource
    assert resource.title == "三年级数学 第三单元 分数的认识"
    assert resource.description == "城南小学 李老师 公开课"
    assert (resource.kind, resource.visibility, resource.uploader_id) == (
        "video",
        "staff",
        teacher.pk,
    )
    expect()(page.locator("#processing-status")).to_contain_text("等待中")
    expect()(page.locator("#upload-error")).to_be_hidden()

    assert run_job_between_polls(page, job.pk) == ProcessingJob.State.READY

    done = page.locator("#upload-done")
    expect()(done).to_be_visible(timeout=20_000)
    assert page.locator("#processing-progress").evaluate("p => p.value") == 100
    assert_final_state(page)
    link = page.locator("#upload-stream-link")
    expect()(link).to_be_visible()
    assert link.get_attribute("href") == f"{live_server.url}/watch/{resource.pk}/"
    detail = page.locator("#upload-detail-link")
    expect()(detail).to_be_visible()
    assert detail.get_attribute("href") == f"{live_server.url}/resources/{resource.pk}/"
    # Texts new with the metadata form may not be translated yet: compare with the page's own.
    text = json.loads(page.locator("#upload-text").text_content())
    expect()(page.locator("#upload-review")).to_have_text(text["draft"])
    assert page.locator("#upload-review").get_attribute("data-state") == "draft"
    resource.refresh_from_db()
    assert resource.state == "draft"
    seen = page.evaluate("window.seenStates")
    assert seen[0] == "uploaded" and seen[-1] == "ready", seen
    expect()(page.locator("#upload-error")).to_be_hidden()
    for hidden in ("#upload-pause", "#upload-resume", "#upload-retry"):
        expect()(page.locator(hidden)).to_be_hidden()
    assert_fits(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # A draft: the next step offered is submitting it, a plain form that lands on the page.
    submit = page.locator("#upload-submit-form button")
    expect()(submit).to_be_visible()
    submit.click()
    page.wait_for_url(f"{live_server.url}/resources/{resource.pk}/")
    resource.refresh_from_db()
    assert resource.state == "in_review"


def assert_final_state(page) -> None:
    """One final message and the next steps: no progress line left, no form to press."""
    expect()(page.locator("#upload-done")).to_be_visible()
    for gone in ("#upload-form", "#upload-progress-box", "#processing-box", "#upload-intro"):
        expect()(page.locator(gone)).to_be_hidden()
    visible_text = page.locator("#upload-app").inner_text()
    done_text = page.locator("#upload-done-text").inner_text()
    assert done_text and visible_text.count(done_text) == 1, visible_text
    assert page.locator("#upload-start").is_hidden()
    expect()(page.locator("#upload-again")).to_be_visible()
    assert page.locator("#upload-again").get_attribute("href") == "/upload/"


def test_students_are_told_in_words_why_they_cannot_upload(open_page, live_server, student):
    page = open_page(student)
    response = page.goto(f"{live_server.url}/upload/")
    assert response.status == 403
    expect()(page.locator("h1")).to_have_text("You cannot open this page")
    expect()(page.locator("main")).to_contain_text("not allowed to upload files")
    assert page.locator("#upload-form").count() == 0


def test_refusals_are_shown_in_words_and_the_form_stays_usable(
    open_page, live_server, teacher, clip
):
    page = open_page(teacher)
    page.goto(f"{live_server.url}/upload/")
    error = page.locator("#upload-error")

    # No title: said at once, before any byte is sent. (Picking the file fills in its
    # name as the title; the teacher cleared it.)
    page.set_input_files("#upload-file", str(clip))
    assert page.locator("#upload-title").input_value() == "lesson"
    page.fill("#upload-title", "")
    page.click("#upload-start")
    expect()(error).to_have_text("Please enter a title.")
    expect()(page.locator("#upload-title-error")).to_have_text("Please enter a title.")
    expect()(page.locator("#upload-progress-box")).to_be_hidden()
    assert page.locator("#upload-title").get_attribute("aria-invalid") == "true"
    assert not Upload.objects.exists()

    # A choice the API does not know: its 400 is put in words, naming the field.
    # A video as a document: said next to the kind before sending.
    page.fill("#upload-title", "Unit 3 revision")
    expect()(page.locator("#upload-title-error")).to_be_hidden()
    page.select_option("#upload-kind", "document")
    page.click("#upload-start")
    expect()(page.locator("#upload-kind-error")).to_contain_text("choose the kind “Video”")
    assert page.locator("#upload-kind").get_attribute("aria-invalid") == "true"
    assert not Upload.objects.exists()
    page.select_option("#upload-kind", "video")
    expect()(page.locator("#upload-kind-error")).to_be_hidden()

    page.evaluate(
        """() => {
          const select = document.getElementById("upload-visibility");
          select.add(new Option("secret", "secret"));
          select.value = "secret";
        }"""
    )
    page.click("#upload-start")
    page.wait_for_function("document.getElementById('upload-progress').value === 100")
    expect()(error).to_contain_text("the resource could not be saved")
    expect()(error).to_contain_text("correct the fields marked below")
    field_error = page.locator("#upload-visibility-error")
    expect()(field_error).to_be_visible()
    expect()(field_error).to_contain_text("not a valid choice")
    assert page.locator("#upload-visibility").get_attribute("aria-invalid") == "true"
    expect()(page.locator("#upload-retry")).to_be_visible()
    assert not Resource.objects.exists()

    # The file store is down (503 with a detail): that sentence is shown.
    def unavailable(route):
        body = {"detail": "The file store is not answering; please try again in a few minutes."}
        route.fulfill(status=503, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/resources/", unavailable)
    page.select_option("#upload-visibility", "public")
    expect()(field_error).to_be_hidden()  # changed: no longer marked
    page.click("#upload-retry")
    expect()(error).to_contain_text("The file store is not answering")
    expect()(page.locator("#upload-start")).to_be_enabled()
    assert not Resource.objects.exists()

    # Back again: the same upload is saved without sending the file a second time.
    page.unroute("**/api/v1/resources/")
    page.click("#upload-retry")
    expect()(page.locator("#processing-box")).to_be_visible()
    expect()(error).to_be_hidden()
    expect()(page.locator("#upload-retry")).to_be_hidden()
    resource = Resource.objects.get()
    assert (resource.title, resource.visibility) == ("Unit 3 revision", "public")
    # One upload became the resource's source (and was then freed): none sent twice.
    assert Upload.objects.count() == 0
    assert [o.key for o in get_storage().list("uploads/")] == []


def test_a_file_that_cannot_be_processed_is_explained(
    open_page, live_server, teacher, clip, tmp_path
):
    # An interrupted copy: the MP4 header is there (the upload is accepted), the index
    # (moov, written last) is not, so the video cannot be read.
    broken = tmp_path / "copied-halfway.mp4"
    data = clip.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    page = open_page(teacher)
    page.goto(f"{live_server.url}/upload/")
    page.fill("#upload-title", "Lesson 4")
    page.set_input_files("#upload-file", str(broken))
    page.click("#upload-start")
    expect()(page.locator("#processing-status")).to_contain_text("Waiting")
    job = wait_for_job()

    assert run_job_between_polls(page, job.pk) == ProcessingJob.State.FAILED

    error = page.locator("#upload-error")
    expect()(error).to_contain_text("The file could not be prepared for playing:")
    job.refresh_from_db()
    assert job.error_message
    expect()(error).to_contain_text(job.error_message)
    expect()(page.locator("#processing-status")).to_contain_text("Failed")
    expect()(page.locator("#upload-done")).to_be_hidden()
    expect()(page.locator("#upload-start")).to_be_enabled()


def test_a_teacher_uploads_courseware_with_taxonomy_and_submits_it_for_review(
    open_page, live_server, teacher, textbook, pdf
):
    page = open_page(teacher, locale="zh-CN")
    page.goto(f"{live_server.url}/upload/")
    assert page.locator("#upload-collection").input_value() == "local"
    assert page.locator("#upload-submit").is_checked()
    expect()(page.locator("#upload-stage option[value=junior]")).to_have_count(1)

    page.set_input_files("#upload-file", str(pdf))
    assert page.locator("#upload-kind").input_value() == "document"  # from ".pdf"
    assert page.locator("#upload-title").input_value() == "三角形的高"
    page.select_option("#upload-kind", "courseware")
    page.fill("#upload-title", "八年级数学 三角形的高 课件")

    page.select_option("#upload-stage", "junior")
    grades = page.locator("#upload-grade option").evaluate_all("os => os.map(o => o.value)")
    assert grades == ["", "7", "8", "9"]
    subjects = page.locator("#upload-subject option").evaluate_all("os => os.map(o => o.value)")
    assert "math" in subjects and "science" not in subjects  # science: primary only
    page.select_option("#upload-grade", "8")
    page.select_option("#upload-subject", "math")
    page.select_option("#upload-edition", "pep")
    book = page.locator("#upload-book")
    expect()(book).to_be_enabled()
    book.select_option(label="数学 八年级上册")
    expect()(page.locator("#upload-unit")).to_be_enabled()
    page.select_option("#upload-unit", label="第十一章 三角形")
    expect()(page.locator("#upload-lesson")).to_be_enabled()
    page.select_option("#upload-lesson", str(textbook.pk))
    page.select_option("#upload-collection", "masters")
    page.fill("#upload-tags", "三角形、高 公开课,三角形")
    expect()(page.locator("#upload-tag-chips .upload-chip")).to_have_count(3)

    page.click("#upload-start")
    done = page.locator("#upload-done")
    expect()(done).to_be_visible()
    text = json.loads(page.locator("#upload-text").text_content())
    expect()(page.locator("#upload-done-text")).to_have_text(text["previewPending"])
    expect()(page.locator("#upload-review")).to_have_text(text["inReview"])
    assert page.locator("#upload-review").get_attribute("data-state") == "in_review"
    assert_final_state(page)
    expect()(page.locator("#upload-submit-form")).to_be_hidden()  # already in review
    expect()(page.locator("#upload-again")).to_have_text("再上传一个文件")
    assert_fits(page)
    expect()(page.locator("#upload-stream")).to_be_hidden()
    expect()(page.locator("#processing-box")).to_be_hidden()
    expect()(page.locator("#upload-error")).to_be_hidden()
    resource = Resource.objects.select_related("subject", "edition", "collection").get()
    assert page.locator("#upload-detail-link").get_attribute("href") == (
        f"{live_server.url}/resources/{resource.pk}/"
    )
    assert (resource.title, resource.kind) == ("八年级数学 三角形的高 课件", "courseware")
    assert (resource.stage, resource.grade, resource.subject.code) == ("junior", 8, "math")
    assert (resource.edition.code, resource.textbook_node_id) == ("pep", textbook.pk)
    assert resource.collection.slug == "masters"
    assert sorted(resource.tags.values_list("name", flat=True)) == ["三角形", "公开课", "高"]
    assert resource.state == "in_review"
    assert resource.source_filename == "三角形的高.pdf"
    page.screenshot(path="/tmp/upload-page-courseware.png", full_page=True)
