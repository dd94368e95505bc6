"""Deadline reminders, run hourly from beat: the department is told LETTER_REMIND_DAYS
working days before a letter's due date, the office once it has passed. Each reminder goes
once per due date (``reminded_for`` / ``overdue_reported_for`` are claimed by a conditional
UPDATE), so an extended deadline is reminded again."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.interaction import deadlines, history
from edu_portal.interaction.models import OPEN_STATES, Letter, State


def _unclaimed(field: str):
    return Letter.objects.filter(Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("due_on")}))


def run(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    reminded = overdue = 0
    soon = _unclaimed("reminded_for").filter(state__in=[State.DISPATCHED], due_on__gte=today)
    for letter in soon.select_related("department"):
        if deadlines.working_days_left(today, letter.due_on) > settings.LETTER_REMIND_DAYS:
            continue
        if (
            not Letter.objects.filter(pk=letter.pk, due_on=letter.due_on)
            .exclude(reminded_for=letter.due_on)
            .update(reminded_for=letter.due_on)
        ):
            continue
        history.tell(
            history.department_people(letter),
            _("Answer due on %(date)s: %(subject)s")
            % {"date": letter.due_on.isoformat(), "subject": letter.subject},
            letter,
        )
        reminded += 1
    late = _unclaimed("overdue_reported_for").filter(state__in=OPEN_STATES, due_on__lt=today)
    office = None
    for letter in late:
        if (
            not Letter.objects.filter(pk=letter.pk, due_on=letter.due_on)
            .exclude(overdue_reported_for=letter.due_on)
            .update(overdue_reported_for=letter.due_on)
        ):
            continue
        if office is None:
            office = history.office_people()
        history.tell(
            office,
            _("Letter overdue since %(date)s: %(subject)s")
            % {"date": letter.due_on.isoformat(), "subject": letter.subject},
            letter,
        )
        overdue += 1
    return {"reminded": reminded, "overdue": overdue}
