"""When an administrator enters next year's official days, open applications get their
due dates recomputed (and audited); closed ones keep theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from edu_portal.accounts.roles import Role
from edu_portal.disclosure import actions
from edu_portal.disclosure.models import Application
from tests.disclosure.conftest import application_data
from tests.people import make_user

pytestmark = pytest.mark.django_db


def _register(office, received_on) -> Application:
    data = application_data()
    for name in ("channel", "received_on"):
        data.pop(name)
    return actions.register(office, data, channel="in_person", received_on=received_on)


def test_entering_2027_recomputes_open_cases(
    client, bureau, office, django_capture_on_commit_callbacks
):
    open_case = _register(office, dt.date(2026, 12, 4))
    # 19 working days in December, then 2027-01-01 (weekends only: a Friday).
    assert (open_case.due_on, open_case.due_provisional) == (dt.date(2027, 1, 1), True)
    assert any("2027" in step for step in open_case.due_steps)
    closed = _register(office, dt.date(2026, 12, 4))
    actions.add_event(office, closed, "replied", dt.date(2026, 12, 4), outcome="disclose")

    admin = make_user("admin_zhao", Role.BUREAU_ADMIN, bureau, is_staff=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/workdays/officialday/add/",
            {"date": "2027-01-01", "is_working": "", "note": "元旦"},
        )
    open_case.refresh_from_db()
    assert (open_case.due_on, open_case.due_provisional) == (dt.date(2027, 1, 4), True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/workdays/calendaryear/add/", {"year": "2027", "complete": "on"})
    open_case.refresh_from_db()
    assert (open_case.due_on, open_case.due_provisional) == (dt.date(2027, 1, 4), False)

    closed.refresh_from_db()
    assert (closed.due_on, closed.due_provisional) == (dt.date(2027, 1, 1), True)

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_pk=str(open_case.pk),
        changes__icontains="official calendar changed",
    )
    assert entries.count() == 2
    assert "2027-01-04" in str(entries.order_by("pk").first().changes)
    assert not LogEntry.objects.filter(
        object_pk=str(closed.pk), changes__icontains="official calendar changed"
    ).exists()


def test_nothing_changes_nothing_is_logged(office):
    case = _register(office, dt.date(2026, 11, 2))
    assert actions.recompute_open({2027}) == 0
    assert not LogEntry.objects.filter(
        object_pk=str(case.pk), changes__icontains="official calendar changed"
    ).exists()
