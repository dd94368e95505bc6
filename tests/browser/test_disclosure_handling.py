"""The office's deadline board and a case's handling page on a phone (390 px): they fit,
the overdue case is marked, the due date's computation opens on tap, no CSP violation."""

from __future__ import annotations

import datetime as dt

import pytest

from edu_portal.accounts.roles import Role
from edu_portal.disclosure import actions
from tests.browser.conftest import assert_fits
from tests.browser.csp import violations, watch_violations
from tests.disclosure.conftest import application_data
from tests.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_board_and_handling_page_at_390_px(live_server, open_page):
    from edu_portal.accounts import actions as accounts
    from edu_portal.accounts.models import OrgUnit

    bureau = accounts.create_org_unit(
        accounts.SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "h-b"
    )
    office = make_user("office_sun", Role.OFFICE_REVIEWER, bureau)
    data = application_data()
    data.pop("channel"), data.pop("received_on")
    today = dt.date.today()
    late = actions.register(
        office, dict(data), channel="post", received_on=today - dt.timedelta(days=60)
    )
    actions.register(office, dict(data), channel="post", received_on=today - dt.timedelta(days=1))

    page = open_page(office)
    reports = watch_violations(page)
    page.goto(f"{live_server.url}/disclosure/staff/board/")
    assert_fits(page)
    overdue = page.locator(f'li.case.overdue[data-code="{late.query_code}"]')
    assert overdue.count() == 1
    overdue.locator("summary").click()
    assert overdue.locator(".steps li").first.is_visible()
    # The steps are stored in the site's language; the dates are the same in any.
    steps = overdue.locator(".steps").inner_text()
    assert late.received_on.isoformat() in steps and late.due_on.isoformat() in steps
    overdue.locator("a.code").click()
    page.wait_for_url(f"**/disclosure/staff/{late.pk}/handle/")
    assert_fits(page)
    assert page.locator("#assign-form").is_visible()
    assert violations(page, reports) == []
