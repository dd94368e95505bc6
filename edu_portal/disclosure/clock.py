"""The statutory clock of an application (Art. 30–34), in one place.

``compute`` derives the due date, the correction-notice deadline and the state from the
receipt date and the events; ``check_event`` refuses an event that would not make sense
(with a sentence for the person or tool that sent it); ``recompute`` stores the result.

* 20 working days from receipt (the day of receipt not counted) to reply;
* a correction notice within 7 working days of receipt; once the corrected application
  arrives, the 20 days restart from that day; while it is awaited there is no due date;
* one extension of at most 20 working days (approver recorded), added to the due date;
* the working days from the day after a consultation is sent up to and including the day
  its answer arrives are not counted (likewise a fee notice until the fee is paid).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from edu_portal.disclosure.models import Application, ClockEvent, Outcome
from edu_portal.workdays.calendar import due_date

REPLY_DAYS = 20  # Art. 33
CORRECTION_NOTICE_DAYS = 7  # Art. 30
MAX_EXTENSION_DAYS = 20  # Art. 33

T = ClockEvent.Type
S = Application.State
PAUSE_ENDS = {T.CONSULTATION_STARTED: T.CONSULTATION_ENDED, T.FEE_NOTICE: T.FEE_PAID}


@dataclass
class Clock:
    state: str
    due_on: dt.date | None = None
    provisional: bool = False
    steps: list[str] = field(default_factory=list)
    correction_due_on: dt.date | None = None
    # Facts about the events, for checking the next one.
    correction_requested: bool = False
    correction_pending: bool = False
    extended: bool = False
    open_pause: str | None = None  # the type of the running pause's first event


def _pause_label(kind: str) -> str:
    return pgettext("clock", "Consultation") if kind == T.CONSULTATION_STARTED else _("Fee notice")


def compute(received_on: dt.date | None, events: Sequence[ClockEvent]) -> Clock:
    if received_on is None:
        return Clock(S.SUBMITTED, steps=[_("The clock starts when staff confirm receipt.")])
    clock = Clock(S.OPEN)
    correction = due_date(received_on, CORRECTION_NOTICE_DAYS)
    clock.correction_due_on = correction.due_on
    start = received_on
    pauses: list[list] = []  # [sent_on, ended_on | None, label]
    prefix: list[str] = []
    extension = 0
    closed: str | None = None
    for event in events:
        if event.type == T.CORRECTION_REQUESTED:
            clock.correction_requested = clock.correction_pending = True
            prefix.append(
                _("Correction notice sent on %(on)s (due by %(due)s).")
                % {"on": event.on.isoformat(), "due": clock.correction_due_on.isoformat()}
            )
        elif event.type == T.CORRECTION_RECEIVED:
            clock.correction_pending = False
            start = event.on
            prefix.append(
                _(
                    "The corrected application arrived on %(on)s: the %(days)s working days "
                    "restart from that day."
                )
                % {"on": event.on.isoformat(), "days": REPLY_DAYS}
            )
        elif event.type == T.EXTENDED:
            clock.extended = True
            extension += event.days or 0
            approver = event.approver.get_full_name() or event.approver.get_username()
            prefix.append(
                _(
                    "Extended on %(on)s by %(days)s working days, approved by %(approver)s: "
                    "%(total)s working days in all."
                )
                % {
                    "on": event.on.isoformat(),
                    "days": event.days,
                    "approver": approver,
                    "total": REPLY_DAYS + extension,
                }
            )
        elif event.type in PAUSE_ENDS:
            clock.open_pause = event.type
            pauses.append([event.on, None, _pause_label(event.type)])
        elif event.type in PAUSE_ENDS.values():
            clock.open_pause = None
            pauses[-1][1] = event.on
        elif event.type == T.REPLIED:
            closed = S.REPLIED
        elif event.type == T.ABANDONED:
            closed = S.ABANDONED
    if clock.correction_pending:
        clock.state = S.CORRECTION
        clock.steps = [
            *prefix,
            _(
                "The due date is set when the corrected application arrives: "
                "%(days)s working days from that day."
            )
            % {"days": REPLY_DAYS},
        ]
    else:
        counted = [tuple(p) for p in pauses if p[0] >= start]
        deadline = due_date(start, REPLY_DAYS + extension, pauses=counted)
        clock.due_on, clock.provisional = deadline.due_on, deadline.provisional
        clock.steps = [*prefix, *deadline.steps]
        if clock.open_pause:
            clock.state = S.PAUSED
    if not clock.correction_requested and closed is None:
        clock.steps.append(
            _("A correction notice, if one is needed, must be sent by %(due)s.")
            % {"due": clock.correction_due_on.isoformat()}
        )
    if closed is not None:
        clock.state = closed
    return clock


def events_of(application: Application) -> list[ClockEvent]:
    if application.pk is None:
        return []
    return list(application.events.select_related("approver").order_by("on", "pk"))


def recompute(application: Application) -> dict:
    """Set the derived fields on ``application`` (not saved); return what changed as
    ``{field: [before, after]}``. Stored in the site's language, whatever the request's:
    the steps are shown to applicants and staff alike."""
    with translation.override(settings.LANGUAGE_CODE):
        clock = compute(application.received_on, events_of(application))
    values = {
        "due_on": clock.due_on,
        "due_provisional": clock.provisional,
        "due_steps": clock.steps,
        "correction_due_on": clock.correction_due_on,
        "state": clock.state,
    }
    changes = {}
    for name, value in values.items():
        before = getattr(application, name)
        if before != value:
            changes[name] = [before, value]
            setattr(application, name, value)
    return changes


# --- checking an event before it is written ---------------------------------------------------


def _refuse(message: str, code: str = "invalid_event") -> ValidationError:
    return ValidationError(message, code=code)


def check_event(
    application: Application,
    kind: str,
    on: dt.date,
    *,
    outcome: str = "",
    days: int | None = None,
    approver=None,
) -> Clock:
    """Raise ``ValidationError`` (one sentence) unless ``kind`` on ``on`` may be recorded
    now; return the clock before it."""
    today = timezone.localdate()
    if kind not in T.values:
        raise _refuse(_("Unknown event type."))
    if application.is_closed:
        raise _refuse(_("This application is closed: no more events can be recorded."), "closed")
    if on > today:
        raise _refuse(_("The date cannot be in the future."))
    if kind == T.RECEIPT_CONFIRMED:
        if application.received_on is not None:
            raise _refuse(_("Receipt of this application has already been confirmed."))
        if on < timezone.localtime(application.submitted_at).date():
            raise _refuse(_("Receipt cannot be confirmed before the application was submitted."))
        return compute(None, [])
    if application.received_on is None:
        raise _refuse(_("Confirm receipt first: the clock has not started."), "not_received")
    if on < application.received_on:
        raise _refuse(
            _("The date cannot be before the application was received (%(day)s).")
            % {"day": application.received_on.isoformat()}
        )
    events = events_of(application)
    if events and on < events[-1].on:
        raise _refuse(
            _("The date cannot be before the last recorded event (%(day)s).")
            % {"day": events[-1].on.isoformat()}
        )
    clock = compute(application.received_on, events)
    _check_kind(clock, kind, on, outcome=outcome, days=days, approver=approver)
    return clock


def _check_kind(clock: Clock, kind: str, on: dt.date, *, outcome, days, approver) -> None:
    if kind == T.CORRECTION_REQUESTED:
        if clock.correction_requested:
            raise _refuse(_("Only one correction notice may be sent for an application."))
        if clock.extended or clock.open_pause:
            raise _refuse(_("A correction notice cannot follow an extension or a consultation."))
        if on > clock.correction_due_on:
            raise _refuse(
                _("A correction notice must be sent within 7 working days of receipt (by %(due)s).")
                % {"due": clock.correction_due_on.isoformat()}
            )
    elif kind == T.CORRECTION_RECEIVED:
        if not clock.correction_pending:
            raise _refuse(_("No correction notice is waiting for an answer."))
    elif clock.correction_pending and kind not in (T.REPLIED, T.ABANDONED):
        raise _refuse(_("The applicant's correction is awaited: record it first."))
    if kind == T.EXTENDED:
        if clock.extended:
            raise _refuse(_("The deadline can be extended only once."))
        if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
            raise _refuse(_("An extension is between 1 and 20 working days."))
        if approver is None:
            raise _refuse(_("Name the person who approved the extension."))
        if clock.due_on is not None and on > clock.due_on:
            raise _refuse(
                _("An extension must be decided by the due date (%(due)s).")
                % {"due": clock.due_on.isoformat()}
            )
    elif kind in PAUSE_ENDS:
        if clock.open_pause:
            raise _refuse(_("The clock is already stopped: record the end of that first."))
    elif kind in PAUSE_ENDS.values():
        started = next((k for k, v in PAUSE_ENDS.items() if v == kind), None)
        if clock.open_pause != started:
            if kind == T.CONSULTATION_ENDED:
                raise _refuse(_("No consultation is running."))
            raise _refuse(_("No fee notice is waiting for payment."))
    elif kind == T.REPLIED:
        if outcome not in Outcome.values:
            raise _refuse(_("Choose the outcome of the reply."))
    elif kind == T.ABANDONED and not (clock.correction_pending or clock.open_pause == T.FEE_NOTICE):
        raise _refuse(
            _("Only an application waiting for a correction or a fee can be treated as abandoned.")
        )
