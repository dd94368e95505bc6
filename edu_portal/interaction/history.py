"""A letter's history and who hears of it: one event row plus an audit entry per step, and
the notifications of the office and the department (used by the actions, the outbox and
the reminders)."""

from __future__ import annotations

from django.urls import reverse

from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.permissions import nearest_holders
from edu_portal.interaction.models import Event, Letter
from edu_portal.notifications.actions import notify_many
from edu_portal.notifications.models import Category

HANDLE = "mailbox.answer"
REPLY = "mailbox.reply"


def record(actor, letter: Letter, type_: str, note: str = "", changes: dict | None = None):
    Event.objects.create(letter=letter, type=type_, actor=actor, note=note)
    with actor_context(actor):
        log_event(letter, {"step": [None, type_], **(changes or {})})


def staff_link(letter: Letter) -> str:
    return reverse("interaction:letter", args=[letter.pk])


def tell(users, subject: str, letter: Letter) -> None:
    users = list(users)
    if users:
        notify_many(users, subject, "", staff_link(letter), category=Category.LETTER, target=letter)


def office_people(exclude: set | None = None) -> list:
    bureau = OrgUnit.objects.filter(depth=1).order_by("path").first()
    return nearest_holders(HANDLE, bureau, exclude=exclude) if bureau else []


def department_people(letter: Letter, exclude: set | None = None) -> list:
    if letter.department is None:
        return []
    return nearest_holders(REPLY, letter.department, exclude=exclude)
