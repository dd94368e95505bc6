"""A citizen applies for information on a phone (390 px), solving the proof-of-work check in
the browser; the office confirms receipt and replies on its pages; the citizen looks the
reply up with the query code and phone number."""

from __future__ import annotations

import re

import pytest

from edu_portal.accounts.roles import Role
from edu_portal.disclosure.models import Application
from tests.browser.conftest import PHONE, assert_fits
from tests.browser.csp import violations, watch_violations
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

CITIZEN_PHONE = "13800138000"


@pytest.fixture
def office(live_server):
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit

    bureau = actions.create_org_unit(
        actions.SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "b-bureau"
    )
    return make_user("office_sun", Role.OFFICE_REVIEWER, bureau)


def test_apply_online_confirm_reply_and_look_up(browser, live_server, open_page, office, settings):
    # A small puzzle: the test proves the widget works, not that the browser is fast.
    settings.LOGIN_CHALLENGE_MAX_NUMBER = 200
    citizen = browser.new_context(viewport=PHONE, locale="en-US", device_scale_factor=1)
    citizen.set_default_timeout(30_000)
    page = citizen.new_page()
    reports = watch_violations(page)

    page.goto(f"{live_server.url}/disclosure/apply/")
    assert_fits(page)
    page.select_option("#id_applicant_type", "natural_person")
    page.fill("#id_applicant_name", "王小明")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", "11010519491231002X")
    page.fill("#id_phone", CITIZEN_PHONE)
    page.fill("#id_email", "wang@example.cn")
    page.fill("#id_description", "2026年全县义务教育学校招生计划（示教〔2026〕5号）")
    page.select_option("#id_form", "electronic")
    page.select_option("#id_delivery", "email")
    # The drawn tick (an svg over the box) takes the click, as a finger would.
    page.locator("altcha-widget input[type=checkbox]").click(force=True)
    page.wait_for_function(
        "() => (document.querySelector('input[name=altcha]') || {}).value", timeout=60_000
    )
    page.get_by_role("button", name="Send the application").click()
    code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{12}", code)
    assert_fits(page)
    application = Application.objects.get(query_code=code)
    assert application.state == "submitted"

    staff = open_page(office)
    staff.goto(f"{live_server.url}/disclosure/staff/")
    assert_fits(staff)
    staff.get_by_role("link", name=code).click()
    staff.locator("#confirm-receipt").click()
    staff.wait_for_load_state("load")
    assert staff.locator("#due-on").inner_text().strip()[:4].isdigit()
    staff.select_option("#id_type", "replied")
    staff.select_option("#id_outcome", "disclose")
    staff.fill("#id_reply_text", "招生计划已通过电子邮件发送。")
    staff.get_by_role("button", name="Record").click()
    staff.wait_for_load_state("load")
    assert staff.locator("#state").inner_text().strip() == "Replied"
    assert_fits(staff)

    page.goto(f"{live_server.url}/disclosure/lookup/")
    page.fill("#id_code", code)
    page.fill("#id_phone", CITIZEN_PHONE)
    page.get_by_role("button", name="Look up").click()
    assert page.locator("#reply").inner_text().strip() == "招生计划已通过电子邮件发送。"
    assert page.locator("#outcome").inner_text().strip() == "Disclosed"
    assert_fits(page)
    assert violations(page, reports) == []
    citizen.close()
