"""E-mail copies: only for those who chose e-mail and have an address, only after commit,
never twice, and a failed send is retried."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from edu_portal.notifications import actions
from edu_portal.notifications import mail as notification_mail
from edu_portal.notifications.models import Category, Notification
from edu_portal.notifications.tasks import send_email

pytestmark = pytest.mark.django_db


def _notify(user, **kwargs):
    return actions.notify(
        user,
        "Approved",
        "Your resource is published.",
        "/catalog/r/5/",
        category=Category.RESOURCE,
        **kwargs,
    )


def test_no_mail_without_opting_in(reader, committed, eager_tasks):
    committed(_notify, reader)
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_mail_after_commit_for_those_who_opted_in(
    reader, django_capture_on_commit_callbacks, eager_tasks
):
    actions.set_email_preference(reader, True)
    with django_capture_on_commit_callbacks(execute=True):
        note = _notify(reader)
        assert mail.outbox == []  # not before the transaction commits
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sun@example.cn"] and message.subject == "Approved"
    assert "Your resource is published." in message.body
    assert "https://edu.example.cn/catalog/r/5/" in message.body
    assert "https://edu.example.cn/notifications/" in message.body
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_no_mail_without_an_address(other_reader, committed, eager_tasks):
    actions.set_email_preference(other_reader, True)
    committed(_notify, other_reader)
    assert mail.outbox == []


def test_a_rolled_back_notification_is_not_mailed(
    reader, django_capture_on_commit_callbacks, eager_tasks
):
    actions.set_email_preference(reader, True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(reader)
    assert len(callbacks) == 1 and mail.outbox == []  # never run: as if rolled back


def test_a_retried_task_never_mails_twice(reader):
    actions.set_email_preference(reader, True)
    note = _notify(reader)
    assert send_email.run(note.pk) == "sent"
    assert send_email.run(note.pk) == "done"
    assert len(mail.outbox) == 1


def test_an_opt_out_before_the_task_runs_is_respected(reader):
    actions.set_email_preference(reader, True)
    note = _notify(reader)
    actions.set_email_preference(reader, False)
    assert send_email.run(note.pk) == "not wanted"
    assert mail.outbox == []


def test_smtp_failure_is_logged_released_and_retried(reader, monkeypatch, caplog):
    actions.set_email_preference(reader, True)
    note = _notify(reader)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(notification_mail, "send_mail", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notification_mail.send(note.pk)
    assert "could not mail notification" in caplog.text
    note.refresh_from_db()
    assert note.emailed_at is None  # the claim was given back, so the retry may send
    assert smtplib.SMTPException in send_email.autoretry_for

    monkeypatch.undo()
    assert send_email.run(note.pk) == "sent"
    assert len(mail.outbox) == 1


def test_notify_many_mails_only_those_who_opted_in(
    reader, other_reader, school, committed, eager_tasks
):
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    third = make_user("teacher_wu", Role.TEACHER, school, email="wu@example.cn")
    actions.set_email_preference(reader, True)
    committed(
        actions.notify_many,
        [reader, other_reader, third],
        "Closed on Friday",
        category=Category.SYSTEM,
    )
    assert [message.to for message in mail.outbox] == [["sun@example.cn"]]
