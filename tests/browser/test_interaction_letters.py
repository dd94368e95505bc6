"""A citizen writes to the bureau on a phone (390 px), solving the proof-of-work check in the
browser; the office and the department answer; the citizen later looks the letter up, reads
the answer and rates it; the published answer (热点问答) names nobody."""

from __future__ import annotations

import re

import pytest

from edu_portal.accounts import actions as account_actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from edu_portal.interaction import actions
from edu_portal.interaction.models import Letter
from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

NAME, PHONE_NUMBER, EMAIL = "赵文静", "13700137000", "zhaowj@example.cn"


@pytest.fixture
def people(live_server):
    system = account_actions.SYSTEM
    bureau = account_actions.create_org_unit(
        system, None, OrgUnit.Kind.BUREAU, "示范县教育局", "l-bureau"
    )
    department = account_actions.create_org_unit(
        system, bureau, OrgUnit.Kind.DEPARTMENT, "基础教育股", "l-dept"
    )
    office = make_user("office_zhou", Role.OFFICE_REVIEWER, bureau)
    editor = make_user("editor_wu", Role.DEPARTMENT_EDITOR, department)
    return office, editor, department


def test_write_look_up_the_answer_and_read_it_published(
    browser, live_server, open_page, people, settings
):
    office, editor, department = people
    settings.LOGIN_CHALLENGE_MAX_NUMBER = 200
    citizen = browser.new_context(viewport=PHONE, locale="en-US", device_scale_factor=1)
    citizen.set_default_timeout(30_000)
    page = citizen.new_page()
    reports = watch_violations(page)

    page.goto(f"{live_server.url}/letters/write/")
    assert_fits(page)
    page.select_option("#id_kind", "consultation")
    page.fill("#id_subject", "课后服务收费标准")
    page.fill("#id_body", f"我是{NAME}，想了解课后服务如何收费。电话{PHONE_NUMBER}。")
    page.fill("#id_name", NAME)
    page.fill("#id_phone", PHONE_NUMBER)
    page.fill("#id_email", EMAIL)
    page.check("#id_publish_consent")
    page.locator("altcha-widget input[type=checkbox]").click(force=True)
    page.wait_for_function(
        "() => (document.querySelector('input[name=altcha]') || {}).value", timeout=60_000
    )
    page.get_by_role("button", name="Send the letter").click()
    code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    assert_fits(page)

    letter = actions.accept(office, Letter.objects.get(query_code=code), department)
    actions.draft(editor, letter, "课后服务按每生每学期300元收取，困难家庭免收。")
    staff = open_page(office)
    staff.goto(f"{live_server.url}/letters/office/")
    assert_fits(staff)
    staff.get_by_role("link", name="课后服务收费标准").click()
    staff.select_option("#id_method", "phone")
    staff.get_by_role("button", name="Approve and give the answer").click()
    staff.wait_for_load_state("load")
    assert staff.locator("#state").inner_text().strip() == "Answered"
    assert_fits(staff)

    page.goto(f"{live_server.url}/letters/lookup/")
    page.fill("#id_code", code)
    page.fill("#id_phone", PHONE_NUMBER)
    page.get_by_role("button", name="Look up").click()
    assert "300元" in page.locator("#answer").inner_text()
    assert_fits(page)
    page.get_by_label("Satisfied", exact=True).check()
    page.get_by_role("button", name="Rate the answer").click()
    page.wait_for_load_state("load")
    assert Letter.objects.get(query_code=code).rating == 3

    page.goto(f"{live_server.url}/letters/answers/")
    assert_fits(page)
    page.get_by_role("link", name="课后服务收费标准").click()
    assert "300元" in page.locator("#answer").inner_text()
    text = page.content()
    for value in (NAME, PHONE_NUMBER, EMAIL, code):
        assert value not in text
    assert_fits(page)
    assert violations(page, reports) == []
    citizen.close()
