"""Deadline reminders, run daily from beat (``disclosure.daily``):

* the handler (or, when no person is named, the department; when no department either, the
  office) when a due date is DISCLOSURE_REMIND_DAYS working days away or closer;
* the office when a due date has passed.

Each goes once per application, threshold and due date: a ``Reminder`` row (unique on the
three) is created before anyone is told, so a second run, or two workers at once, tell
nobody again; an extended deadline is a new due date and is reminded again. People are told
in the notification centre (which e-mails those who chose e-mail) and by an e-mail to
everyone else with an address: a statutory deadline should not depend on a preference.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edu_portal.disclosure.casework import department_people, office_people, record, staff_link
from edu_portal.disclosure.models import Application, Reminder, Step
from edu_portal.notifications.actions import notify_many
from edu_portal.notifications.models import Category, Preference
from edu_portal.workdays.calendar import add_working_days

log = logging.getLogger(__name__)
S = Application.State
OPEN_STATES = [S.OPEN, S.CORRECTION, S.PAUSED]


_soon: dict[tuple[dt.date, int], tuple[dt.date, float]] = {}
SOON_CACHE_SECONDS = 300


def soon_limit(today: dt.date) -> dt.date:
    """The last due date that counts as "due soon" today. Kept for a few minutes per
    process (the board asks on every view; the official calendar changes rarely)."""
    key = (today, settings.DISCLOSURE_REMIND_DAYS)
    cached = _soon.get(key)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    value = add_working_days(today, settings.DISCLOSURE_REMIND_DAYS)
    _soon.clear()
    _soon[key] = (value, time.monotonic() + SOON_CACHE_SECONDS)
    return value


def _unreminded(kind: str):
    return ~Exists(
        Reminder.objects.filter(application=OuterRef("pk"), kind=kind, due_on=OuterRef("due_on"))
    )


def _claim(application: Application, kind: str) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(application=application, kind=kind, due_on=application.due_on)
    except IntegrityError:
        return False
    return True


def _email(users, subject: str, link: str) -> None:
    """The e-mail for those the notification centre does not mail (no e-mail preference)."""
    wanting = set(
        Preference.objects.filter(user__in=users, email=True).values_list("user_id", flat=True)
    )
    base = (settings.NOTIFICATIONS_SITE_URL or "").rstrip("/")
    for user in users:
        if not user.email or user.pk in wanting:
            continue
        try:
            send_mail(subject, f"{subject}\n\n{base}{link}", None, [user.email])
        except Exception as exc:  # the centre's notification stays; not retried
            log.warning("disclosure reminder e-mail to user %s failed: %s", user.pk, exc)


def _tell(users, subject: str, application: Application) -> None:
    users = [user for user in users if user.is_active]
    if not users:
        return
    link = staff_link(application)
    notify_many(users, subject, "", link, category=Category.APPLICATION, target=application)
    transaction.on_commit(lambda: _email(users, subject, link))


def run(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    counts = {"reminded": 0, "overdue": 0}
    soon = Application.objects.filter(
        _unreminded(Reminder.Kind.DUE_SOON),
        state__in=OPEN_STATES,
        due_on__gte=today,
        due_on__lte=add_working_days(today, settings.DISCLOSURE_REMIND_DAYS),
    ).select_related("handler", "handler_unit")
    with translation.override(settings.LANGUAGE_CODE):
        for application in soon:
            with transaction.atomic():
                if not _claim(application, Reminder.Kind.DUE_SOON):
                    continue
                people = department_people(application) or office_people()
                subject = _("Reply due on %(day)s: application %(code)s") % {
                    "day": application.due_on.isoformat(),
                    "code": application.query_code,
                }
                _tell(people, subject, application)
                record(None, application, Step.Type.REMINDED, application.due_on.isoformat())
            counts["reminded"] += 1
        late = Application.objects.filter(
            _unreminded(Reminder.Kind.OVERDUE), state__in=OPEN_STATES, due_on__lt=today
        )
        office = None
        for application in late:
            with transaction.atomic():
                if not _claim(application, Reminder.Kind.OVERDUE):
                    continue
                office = office if office is not None else office_people()
                subject = _("Overdue since %(day)s: application %(code)s") % {
                    "day": application.due_on.isoformat(),
                    "code": application.query_code,
                }
                _tell(office, subject, application)
                record(None, application, Step.Type.OVERDUE, application.due_on.isoformat())
            counts["overdue"] += 1
    return counts
