"""The e-mail copy of a notification, sent by the ``notifications.send_email`` task.

The task claims the row with a conditional UPDATE on ``emailed_at`` before sending, so a
retried or duplicated task never mails twice (at most once: a worker that dies between the
claim and the send loses that mail; the notification itself is still on the site). A
failed send gives the claim back and raises, and Celery retries.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edu_portal.notifications.models import Notification, Preference

log = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    base = settings.NOTIFICATIONS_SITE_URL.rstrip("/")
    return f"{base}{path}" if base else path


def _text(note: Notification) -> str:
    parts = [note.body] if note.body else []
    if note.link:
        parts.append(_absolute(note.link))
    parts.append(
        "-- \n"
        + _("You receive this e-mail because you chose e-mail notifications. Change it at %(url)s")
        % {"url": _absolute(reverse("notifications:list"))}
    )
    return "\n\n".join(parts)


def send(notification_id: int) -> str:
    note = (
        Notification.objects.select_related("recipient")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if note is None:
        return "done"  # sent before, or the notification is gone
    user = note.recipient
    wanted = Preference.objects.filter(user_id=user.pk, email=True).exists()
    if not (wanted and user.is_active and user.email):
        return "not wanted"
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
        emailed_at=claimed_at
    )
    if not claimed:
        return "done"  # another worker got it first
    try:
        with translation.override(settings.LANGUAGE_CODE):
            # One header line: a title typed with a line break would otherwise be refused
            # (BadHeaderError, not retried) and the mail lost.
            subject = " ".join(note.subject.split())
            send_mail(subject, _text(note), settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:
        log.warning("could not mail notification %s to user %s", note.pk, user.pk, exc_info=True)
        Notification.objects.filter(pk=note.pk, emailed_at=claimed_at).update(emailed_at=None)
        raise
    return "sent"
