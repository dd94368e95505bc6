"""The deadline board: open cases by due date (none last), overdue and at-risk marked,
filters, the due date's computation on expand, masked names, and rights: the office sees
everything, a department only its own cases."""

from __future__ import annotations

import re

import pytest

from edu_portal.disclosure import actions, handling
from edu_portal.disclosure.models import Application
from tests.disclosure.handling.conftest import D, register
from tests.disclosure.handling.helpers import replied

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(office, editor, other_editor, department, other_department, today):
    today.set(D(2026, 11, 27))
    late = register(office, D(2026, 10, 20))  # due 2026-11-17
    soon = register(office, D(2026, 11, 2))  # due 2026-11-30
    later = register(office, D(2026, 11, 20))  # due 2026-12-18
    corr = register(office, D(2026, 11, 23))
    actions.add_event(office, corr, "correction_requested", D(2026, 11, 24))
    done = replied(office, editor, department, register(office, D(2026, 11, 3)))
    handling.assign(office, late, department)
    handling.assign(office, soon, other_department)
    handling.assign(office, later, department)
    return {"late": late, "soon": soon, "later": later, "corr": corr, "done": done}


def _codes(html: str) -> list[str]:
    return re.findall(r'data-code="([A-Z0-9]+)"', html)


def test_the_office_sees_every_open_case_by_due_date(client, office, cases):
    client.force_login(office)
    page = client.get("/disclosure/staff/board/")
    assert page.status_code == 200
    html = page.content.decode()
    expected = [cases[k].query_code for k in ("late", "soon", "later", "corr")]
    assert _codes(html) == expected  # replied case left out, no due date last
    risk = {
        code: kind.strip()
        for kind, code in re.findall(r'<li class="case ([^"]*)" data-code="([A-Z0-9]+)"', html)
    }
    assert [risk[cases[k].query_code] for k in ("late", "soon", "later", "corr")] == [
        "overdue",
        "at-risk",
        "",
        "",
    ]
    assert "10 days late" in html
    assert "4 open cases" in html and "1 overdue" in html
    # How the due date was computed, on expand (and on hover).
    assert "The day of receipt is not counted" in html and "<details" in html
    # Names masked, phones not shown.
    assert "王**" in html and "王小明" not in html and "13800138000" not in html


def test_filters(client, office, cases, department):
    client.force_login(office)
    by_unit = client.get("/disclosure/staff/board/", {"unit": department.pk}).content.decode()
    assert _codes(by_unit) == [cases["late"].query_code, cases["later"].query_code]
    by_state = client.get("/disclosure/staff/board/", {"state": "correction"}).content.decode()
    assert _codes(by_state) == [cases["corr"].query_code]
    # A bad filter value is ignored, not an error.
    assert client.get("/disclosure/staff/board/", {"unit": "x", "state": "zz"}).status_code == 200


def test_a_department_sees_only_its_own_cases(client, editor, other_editor, cases, department):
    client.force_login(editor)
    html = client.get("/disclosure/staff/board/").content.decode()
    assert _codes(html) == [cases["late"].query_code, cases["later"].query_code]
    client.force_login(other_editor)
    html = client.get("/disclosure/staff/board/").content.decode()
    assert _codes(html) == [cases["soon"].query_code]
    # Asking for the other department's cases by filter shows nothing of them.
    other = client.get("/disclosure/staff/board/", {"unit": department.pk})
    assert cases["late"].query_code not in other.content.decode()


def test_others_are_kept_out(client, teacher_user, cases):
    assert client.get("/disclosure/staff/board/").status_code == 302
    client.force_login(teacher_user)
    assert client.get("/disclosure/staff/board/").status_code == 403


def test_pages_of_fifty(client, office, today):
    today.set(D(2026, 11, 27))
    for _i in range(55):
        register(office)
    client.force_login(office)
    first = client.get("/disclosure/staff/board/").content.decode()
    assert len(_codes(first)) == 50 and "55 open cases" in first
    second = client.get("/disclosure/staff/board/", {"page": 2}).content.decode()
    assert len(_codes(second)) == 5
    assert Application.objects.count() == 55
