"""Issue 13 end to end at 390 px in Chinese: a class teacher sends a permission slip
(reply 同意/不同意, by inbox and SMS) to her class; one guardian opens it from the signed-in
inbox, another from the link in the SMS the file backend wrote, both answer 同意; the
teacher's report shows the answers and the one who has not, and "remind" reaches that
guardian only. Every page visited is checked for horizontal overflow and CSP violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
from edu_portal.messaging import consent
from edu_portal.messaging.models import Delivery, Notice, Recipient
from tests.browser.conftest import PHONE, page_width
from tests.browser.csp import violations, watch_violations
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

Kind = OrgUnit.Kind
LINK = re.compile(r"/n/([0-9A-Za-z]+)")


def checked(page, reports) -> None:
    width = page_width(page)
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    assert not violations(page, reports), violations(page, reports)


@pytest.fixture
def flow_settings(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    # The repeat guard is kept in the cache, which outlives the test database.
    settings.SMS_REPEAT_SECONDS = 0
    settings.SMS_RATE_PER_SECOND = 100
    return settings


@pytest.fixture
def school_class(db):
    bureau = actions.create_org_unit(SYSTEM, None, Kind.BUREAU, "示范县教育局", "bureau")
    school = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "城南小学", "cn")
    grade = actions.create_org_unit(SYSTEM, school, Kind.GRADE, "一年级", "cn-g1")
    klass = actions.create_org_unit(SYSTEM, grade, Kind.CLASS, "1班", "cn-g1c1")
    teacher = make_user("teacher_liu", Role.TEACHER, klass, display_name="刘老师")
    guardians = []
    for i, (child, parent) in enumerate(
        [("张小明", "张爸爸"), ("李小红", "李妈妈"), ("王小刚", "王妈妈")]
    ):
        pupil = make_user(f"pupil{i}", Role.STUDENT, klass, display_name=child)
        guardian = make_user(
            f"1380000000{i + 1}", None, school, display_name=parent, phone=f"1380000000{i + 1}"
        )
        actions.link_guardian(SYSTEM, guardian, pupil, "mother")
        guardians.append(User.objects.get(pk=guardian.pk))
    return teacher, guardians


def test_permission_slip_from_compose_to_reminder(
    open_page, live_server, flow_settings, school_class
):
    teacher, (in_app, by_sms, silent) = school_class
    consent.record_consent(in_app, "127.0.0.1")

    # The teacher writes and sends the slip.
    page = open_page(teacher, locale="zh-CN")
    reports = watch_violations(page)
    page.goto(f"{live_server.url}/notices/new/")
    checked(page, reports)
    page.fill("input[name=title]", "春游回执")
    editor = page.locator(".editor-area")
    expect(editor).to_be_visible()
    editor.fill("下周三春游，请回复是否同意孩子参加。")
    page.locator("input[name=classes][value=cn-g1c1]").check()
    page.locator("input[name=ack][value=reply]").check()
    expect(page.locator("textarea[name=reply_choices]")).to_have_value("同意\n不同意")
    page.locator("input[name=channels][value=sms]").check()
    page.locator("input[name=urgent]").check()
    checked(page, reports)
    page.get_by_role("button", name="立即发送").click()
    page.wait_for_url(re.compile(r"/notices/\d+/report/$"))
    checked(page, reports)
    notice = Notice.objects.get()
    assert notice.state == Notice.State.SENT
    assert notice.reply_choices == ["同意", "不同意"]
    assert "春游" in notice.body
    expect(page.locator("[data-key=recipients]")).to_have_text("3")

    # A guardian opens it from the signed-in inbox and answers 同意.
    guardian_page = open_page(in_app, locale="zh-CN")
    guardian_reports = watch_violations(guardian_page)
    guardian_page.goto(f"{live_server.url}/notices/")
    checked(guardian_page, guardian_reports)
    guardian_page.get_by_text("春游回执").first.click()
    guardian_page.wait_for_url(re.compile(rf"/notices/inbox/{notice.pk}/$"))
    checked(guardian_page, guardian_reports)
    guardian_page.locator('input[name=choice][value="同意"]').check()
    guardian_page.get_by_role("button", name=re.compile("答复|回复|提交|发送")).click()
    expect(guardian_page.get_by_text("同意").first).to_be_visible()
    checked(guardian_page, guardian_reports)
    assert Recipient.objects.get(notice=notice, user=in_app).reply_choice == "同意"

    # Another guardian opens the link in her SMS, without signing in, and answers 同意.
    texts = [path.read_text() for path in flow_settings.SMS_FILE_DIR.glob("*.txt")]
    sms = next(text for text in texts if f"To: {by_sms.phone}" in text)
    assert "春游回执" in sms
    code = LINK.search(sms.split("\n\n", 1)[1]).group(1)
    context = page.context.browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        visitor = context.new_page()
        visitor_reports = watch_violations(visitor)
        visitor.goto(f"{live_server.url}/n/{code}")
        checked(visitor, visitor_reports)
        assert Recipient.objects.get(notice=notice, user=by_sms).read_at is None  # GET: nothing
        # First time on the platform: she gives her consent (PIPL art. 31), then answers.
        visitor.locator("input[name=agree]").check()
        visitor.get_by_role("button", name="同意并继续").click()
        visitor.wait_for_load_state()
        checked(visitor, visitor_reports)
        visitor.locator('input[name=choice][value="同意"]').check()
        visitor.get_by_role("button", name=re.compile("答复|回复|提交|发送")).click()
        visitor.wait_for_load_state()
        checked(visitor, visitor_reports)
    finally:
        context.close()
    assert Recipient.objects.get(notice=notice, user=by_sms).reply_choice == "同意"

    # The teacher's report shows both answers and who has not answered; she reminds them.
    page.reload()
    checked(page, reports)
    expect(page.locator("[data-key=replied]")).to_have_text("2")
    expect(page.locator(".report-answers").first).to_contain_text("同意 2")
    missing = page.locator(".report-missing")
    expect(missing).to_contain_text("王妈妈")
    expect(missing).to_contain_text("王小刚")
    expect(missing).to_contain_text("138****0003")
    expect(missing).not_to_contain_text("张爸爸")
    page.get_by_role("button", name=re.compile("提醒未回应的 1 人")).click()
    page.wait_for_url(re.compile(r"/notices/\d+/report/$"))
    checked(page, reports)
    expect(page.locator(".messages")).to_contain_text("提醒")
    reminded = Delivery.objects.filter(notice=notice, purpose=Delivery.Purpose.REMINDER)
    assert {d.recipient.user_id for d in reminded} == {silent.pk}
    assert {d.channel for d in reminded} == {"inbox", "sms"}

    # The list of notices sent and the sent notice's page (read-only, with Withdraw).
    page.goto(f"{live_server.url}/notices/sent/")
    checked(page, reports)
    expect(page.locator(".sender-item").first).to_contain_text("春游回执")
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    checked(page, reports)
    expect(page.get_by_role("button", name="撤回通知")).to_be_visible()
