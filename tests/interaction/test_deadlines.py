"""Deadlines per kind in working days (the workdays calendar), extension by the office,
reminders to the department and to the office, recomputation when the calendar changes,
and the inspection's query for letters unanswered for over 90 days."""

from __future__ import annotations

import datetime

import pytest

from edu_portal.interaction import actions, reminders
from edu_portal.interaction.models import Event, Letter
from edu_portal.notifications.models import Notification
from edu_portal.workdays.models import OfficialDay
from tests.interaction.conftest import letter_data

pytestmark = pytest.mark.django_db
D = datetime.date


def _registered(office, kind: str, on: datetime.date) -> Letter:
    return actions.submit(**letter_data(kind=kind), registered_by=office, received_on=on)


def test_a_consultation_is_due_in_5_working_days_across_national_day(office):
    # Received Wednesday 30 September 2026: not counted; 1–7 October are holidays; 8, 9
    # and the make-up Saturday 10 October count, then Monday 12 and Tuesday 13.
    letter = _registered(office, "consultation", D(2026, 9, 30))
    assert letter.due_on == D(2026, 10, 13)
    assert not letter.due_provisional and letter.due_steps


def test_other_kinds_use_their_settings(office, settings):
    assert _registered(office, "complaint", D(2026, 11, 2)).due_on == D(2026, 11, 23)
    settings.LETTER_DUE_DAYS_SUGGESTION = 2
    assert _registered(office, "suggestion", D(2026, 11, 2)).due_on == D(2026, 11, 4)


def test_a_due_date_in_an_unknown_year_is_provisional(office, settings):
    settings.LETTER_DUE_DAYS_MAILBOX = 30
    letter = _registered(office, "mailbox", D(2026, 12, 4))
    assert letter.due_on.year == 2027 and letter.due_provisional


def test_the_office_extends_with_a_reason(client, office, editor, department):
    letter = _registered(office, "consultation", D(2026, 11, 2))
    assert letter.due_on == D(2026, 11, 9)
    client.force_login(editor)
    client.post(f"/letters/{letter.pk}/extend/", {"days": 5, "reason": "需要调查"})
    assert Letter.objects.get(pk=letter.pk).due_on == D(2026, 11, 9)
    client.force_login(office)
    refused = client.post(f"/letters/{letter.pk}/extend/", {"days": 99, "reason": "x"})
    assert refused.status_code == 302
    assert Letter.objects.get(pk=letter.pk).extension_days == 0
    client.post(f"/letters/{letter.pk}/extend/", {"days": 5, "reason": "需要调查"})
    letter.refresh_from_db()
    assert (letter.due_on, letter.extension_days) == (D(2026, 11, 16), 5)
    event = letter.events.get(type=Event.Type.EXTENDED)
    assert event.actor == office and "需要调查" in event.note


def test_reminders_go_once_to_the_department_and_then_to_the_office(office, editor, department):
    letter = _registered(office, "complaint", D(2026, 11, 2))  # due Monday 23 November
    actions.accept(office, letter, department)
    before = Notification.objects.filter(recipient=editor).count()
    assert reminders.run(D(2026, 11, 17)) == {"reminded": 0, "overdue": 0}  # 4 working days
    assert reminders.run(D(2026, 11, 18)) == {"reminded": 1, "overdue": 0}  # 3 left
    assert reminders.run(D(2026, 11, 19)) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(recipient=editor).count() == before + 1
    office_before = Notification.objects.filter(recipient=office).count()
    assert reminders.run(D(2026, 11, 23)) == {"reminded": 0, "overdue": 0}  # due today
    assert reminders.run(D(2026, 11, 24)) == {"reminded": 0, "overdue": 1}
    assert reminders.run(D(2026, 11, 25)) == {"reminded": 0, "overdue": 0}
    note = Notification.objects.filter(recipient=office).latest("pk")
    assert Notification.objects.filter(recipient=office).count() == office_before + 1
    assert "overdue" in note.subject and note.link == f"/letters/{letter.pk}/"
    # An extension is a new due date: reminded again before it.
    actions.extend(office, letter, 5, "需要调查")
    letter.refresh_from_db()
    assert letter.due_on == D(2026, 11, 30)
    assert reminders.run(D(2026, 11, 25)) == {"reminded": 1, "overdue": 0}


def test_answered_letters_are_not_reminded(office, editor, department):
    letter = _registered(office, "complaint", D(2026, 11, 2))
    letter = actions.accept(office, letter, department)
    actions.draft(editor, letter, "答复")
    actions.approve(office, letter, method="phone")
    assert reminders.run(D(2026, 11, 30)) == {"reminded": 0, "overdue": 0}


def test_a_calendar_change_recomputes_open_letters(office, django_capture_on_commit_callbacks):
    letter = _registered(office, "consultation", D(2026, 11, 2))
    assert letter.due_on == D(2026, 11, 9)
    with django_capture_on_commit_callbacks(execute=True):
        OfficialDay.objects.create(date=D(2026, 11, 4), is_working=False, note="test holiday")
    letter.refresh_from_db()
    assert letter.due_on == D(2026, 11, 10)
    assert letter.events.filter(type=Event.Type.RECOMPUTED).exists()


def test_unanswered_for_more_than_90_days(office):
    old = _registered(office, "mailbox", D(2026, 8, 1))
    _registered(office, "mailbox", D(2026, 10, 1))
    assert list(actions.unanswered_for(90, D(2026, 12, 5))) == [old]
