"""The deadline board: open applications sorted by due date (those without one, waiting
for receipt, a correction or the end of a pause, last), overdue and at-risk ones marked,
filtered by department and state. The office sees every case, a department its own.

One page is two queries (the counts and the page's rows, with what the rows show and
nothing else: descriptions and replies stay in the database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edu_portal.disclosure.casework import visible_to
from edu_portal.disclosure.models import Application
from edu_portal.disclosure.reminders import OPEN_STATES, soon_limit
from edu_portal.disclosure.templatetags.disclosure_tags import mask_name
from edu_portal.disclosure.templatetags.handling_tags import steps_items

S = Application.State
BOARD_STATES = [S.SUBMITTED, *OPEN_STATES]
PER_PAGE = 50
ROW_FIELDS = (
    "pk",
    "query_code",
    "applicant_name",
    "phone",
    "state",
    "received_on",
    "due_on",
    "due_provisional",
    "due_steps",
    "handler_unit__name",
)


@dataclass
class Board:
    page: Page
    counts: dict
    today: dt.date
    soon_until: dt.date


def open_cases(user, *, unit_id: int | None = None, state: str = "") -> QuerySet:
    rows = visible_to(user).filter(state__in=BOARD_STATES)
    if unit_id:
        rows = rows.filter(handler_unit_id=unit_id)
    if state in BOARD_STATES:
        rows = rows.filter(state=state)
    return rows


def build(user, *, unit_id=None, state="", page=None, today: dt.date) -> Board:
    rows = open_cases(user, unit_id=unit_id, state=state)
    until = soon_limit(today)
    counts = rows.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        at_risk=Count("pk", filter=Q(due_on__gte=today, due_on__lte=until)),
    )
    ordered = rows.order_by(F("due_on").asc(nulls_last=True), "received_on", "pk").values(
        *ROW_FIELDS
    )
    paginator = Paginator(ordered, PER_PAGE)
    paginator.count = counts["total"]  # known already: no second COUNT(*)
    current = paginator.get_page(page)
    # The rows' words are made here, once per page (a template tag per row and cell cost
    # more than the query).
    states = {value: str(label) for value, label in Application.State.choices}
    unassigned, soon, none = _("not assigned"), _("due soon"), _("no due date")
    link = reverse("disclosure:handle", args=[987654321])
    for row in current.object_list:
        due = row["due_on"]
        risk = "overdue" if due and due < today else "at-risk" if due and due <= until else ""
        row["risk"] = risk
        row["url"] = link.replace("987654321", str(row["pk"]))
        row["who"] = mask_name(row["applicant_name"])
        row["state_label"] = states.get(row["state"], row["state"])
        row["unit"] = row["handler_unit__name"] or unassigned
        if due is None:
            row["due_text"], row["risk_text"] = none, ""
        else:
            row["due_text"] = due.isoformat() + (" *" if row["due_provisional"] else "")
            late = (today - due).days
            row["risk_text"] = (
                ngettext("%(n)s day late", "%(n)s days late", late) % {"n": late}
                if risk == "overdue"
                else soon
                if risk
                else ""
            )
        row["steps_html"] = steps_items(row["due_steps"])
    return Board(current, counts, today, until)
