"""Administrators enter official days in the Django admin; each change is audited and
announced (``calendar_changed``) so stored due dates can be recomputed."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from edu_portal.accounts.roles import Role
from edu_portal.workdays.models import OfficialDay
from edu_portal.workdays.signals import calendar_changed
from tests.people import make_user


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, years, **kwargs):
        calls.append((sender, years))

    calendar_changed.connect(receiver)
    yield calls
    calendar_changed.disconnect(receiver)


def test_an_admin_entry_is_audited_and_announced(
    client, bureau, heard, django_capture_on_commit_callbacks
):
    admin = make_user("admin_zhao", Role.BUREAU_ADMIN, bureau, is_staff=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/workdays/officialday/add/",
            {"date": "2027-01-01", "is_working": "", "note": "元旦"},
        )
    assert response.status_code == 302, response.content[:500]
    day = OfficialDay.objects.get(date=dt.date(2027, 1, 1))
    assert heard == [(OfficialDay, {2027})]
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(OfficialDay), object_pk=str(day.pk)
    )
    assert entry.actor == admin

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/workdays/officialday/{day.pk}/delete/", {"post": "yes"})
    assert not OfficialDay.objects.exists()
    assert heard[-1] == (OfficialDay, {2027})


def test_others_cannot_open_the_table(client, bureau, department):
    editor = make_user("editor_qian", Role.DEPARTMENT_EDITOR, department, is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/workdays/officialday/").status_code == 403
    assert (
        client.post(
            "/admin/workdays/officialday/add/", {"date": "2027-01-01", "note": "x"}
        ).status_code
        == 403
    )
    assert not OfficialDay.objects.exists()
