"""Letters' due dates in working days (the workdays calendar), per kind from the settings."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone

from edu_portal.interaction.models import OPEN_STATES, Kind, Letter
from edu_portal.workdays.calendar import due_date, is_working_day


def working_days_for(kind: str) -> int:
    return {
        Kind.MAILBOX: settings.LETTER_DUE_DAYS_MAILBOX,
        Kind.CONSULTATION: settings.LETTER_DUE_DAYS_CONSULTATION,
        Kind.SUGGESTION: settings.LETTER_DUE_DAYS_SUGGESTION,
        Kind.COMPLAINT: settings.LETTER_DUE_DAYS_COMPLAINT,
    }[kind]


def _jsonable(step) -> object:
    if isinstance(step, str | int | float | bool | dict | list) or step is None:
        return step
    if dataclasses.is_dataclass(step):
        return {key: str(value) for key, value in dataclasses.asdict(step).items()}
    return str(step)


def compute(kind: str, received_on: datetime.date, extension_days: int = 0) -> dict:
    """The fields of a letter's deadline: ``due_on``, ``due_provisional``, ``due_steps``.
    An extension adds working days to the allowance counted from receipt (the same as
    adding them to the current due date)."""
    deadline = due_date(received_on, working_days_for(kind) + extension_days)
    return {
        "due_on": deadline.due_on,
        "due_provisional": bool(deadline.provisional),
        "due_steps": [_jsonable(step) for step in deadline.steps],
    }


def working_days_left(today: datetime.date, due_on: datetime.date) -> int:
    """Working days after ``today`` up to and including ``due_on`` (0 when due today or
    passed)."""
    left, day = 0, today
    while day < due_on:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left += 1
    return left


def unanswered_for(days: int, today: datetime.date | None = None):
    """Open letters received more than ``days`` calendar days ago (the portal's
    inspection reports those over 90)."""
    today = today or timezone.localdate()
    return Letter.objects.filter(
        state__in=OPEN_STATES, received_on__lt=today - datetime.timedelta(days=days)
    )
