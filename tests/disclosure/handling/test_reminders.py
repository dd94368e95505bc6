"""Deadline reminders: the handler 3 working days before the due date, the office once it
has passed; in the notification centre and by e-mail; once per case and threshold."""

from __future__ import annotations

import pytest
from django.core import mail

from edu_portal.disclosure import actions, handling, reminders
from edu_portal.disclosure.models import Reminder
from edu_portal.notifications.models import Notification
from tests.disclosure.handling.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(office, editor, department, application):
    editor.email = "zhou@bureau.test"
    editor.save()
    return handling.assign(office, application, department, editor)


def _notes(user, text):
    return Notification.objects.filter(recipient=user, subject__contains=text)


def test_handler_reminded_once_three_working_days_before(
    assigned, editor, office, today, django_capture_on_commit_callbacks
):
    assert assigned.due_on == D(2026, 11, 30)
    today.set(D(2026, 11, 24))  # 4 working days left (25, 26, 27, 30)
    assert reminders.run()["reminded"] == 0
    today.set(D(2026, 11, 25))  # 3 left
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.run()["reminded"] == 1
    assert _notes(editor, "2026-11-30").count() == 1
    assert not _notes(office, assigned.query_code).exists()
    assert [m.to for m in mail.outbox] == [["zhou@bureau.test"]]
    assert assigned.query_code in mail.outbox[0].subject
    # The next runs (the same day, the next day) tell nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.run()["reminded"] == 0
        today.set(D(2026, 11, 26))
        assert reminders.run()["reminded"] == 0
    assert _notes(editor, "2026-11-30").count() == 1 and len(mail.outbox) == 1


def test_office_told_once_when_the_due_date_passes(
    assigned, office, editor, today, django_capture_on_commit_callbacks
):
    office.email = "office@bureau.test"
    office.save()
    today.set(D(2026, 11, 30))  # due today: not yet overdue
    assert reminders.run()["overdue"] == 0
    today.set(D(2026, 12, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.run()["overdue"] == 1
        assert reminders.run()["overdue"] == 0
    assert _notes(office, "Overdue since 2026-11-30").count() == 1
    assert Reminder.objects.filter(kind="overdue").count() == 1
    assert ["office@bureau.test"] in [m.to for m in mail.outbox]


def test_an_extension_is_a_new_due_date_to_remind(assigned, editor, office, today):
    today.set(D(2026, 11, 25))
    reminders.run()
    actions.add_event(office, assigned, "extended", D(2026, 11, 25), days=10, approver=office)
    assigned.refresh_from_db()
    assert assigned.due_on == D(2026, 12, 14)
    assert reminders.run()["reminded"] == 0  # 13 working days away now
    today.set(D(2026, 12, 9))
    assert reminders.run()["reminded"] == 1
    assert _notes(editor, "2026-12-14").count() == 1


def test_closed_and_paused_cases_are_not_reminded(office, editor, department, today):
    from tests.disclosure.handling.conftest import register
    from tests.disclosure.handling.helpers import replied

    answered = replied(office, editor, department, register(office))
    waiting = register(office)
    actions.add_event(office, waiting, "consultation_started", D(2026, 11, 10))
    today.set(D(2026, 12, 2))
    assert reminders.run() == {"reminded": 0, "overdue": 0}
    assert not Reminder.objects.filter(application__in=[answered, waiting]).exists()


def test_unassigned_cases_remind_the_office(office, application, today):
    today.set(D(2026, 11, 26))
    assert reminders.run()["reminded"] == 1
    assert _notes(office, "Reply due on 2026-11-30").count() == 1
