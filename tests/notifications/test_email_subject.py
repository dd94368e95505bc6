"""A notification whose subject carries a line break (a resource title typed with one) is
still mailed, on one subject line: mail headers cannot hold line breaks, and Django refuses
to send such a message (BadHeaderError, which is not retried)."""

from __future__ import annotations

import pytest
from django.core import mail

from edu_portal.notifications import actions
from edu_portal.notifications.models import Category, Notification

pytestmark = pytest.mark.django_db


def test_subject_with_line_breaks_is_mailed_on_one_line(reader, committed, eager_tasks):
    actions.set_email_preference(reader, True)
    committed(
        actions.notify,
        reader,
        "Your resource “Fractions\r\nBcc: victim@example.cn” is published",
        "Body.",
        "/catalog/r/5/",
        category=Category.RESOURCE,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your resource “Fractions Bcc: victim@example.cn” is published"
    assert message.to == ["sun@example.cn"] and not message.bcc
    assert Notification.objects.get().emailed_at is not None
