"""Changes to applications: each checks, changes in one transaction, audits and tells people
after commit. Views and the API call these and nothing else that writes."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts import audit, permissions
from edu_portal.disclosure import clock
from edu_portal.disclosure.forms import HANDLE
from edu_portal.disclosure.models import Application, Channel, ClockEvent, Outcome
from edu_portal.notifications.actions import notify_many
from edu_portal.notifications.models import Category

T = ClockEvent.Type
S = Application.State


def require_handler(user) -> None:
    if not permissions.has_perm(user, HANDLE):
        raise PermissionDenied(_("Only the disclosure office can handle applications."))


def _save_new(application: Application) -> Application:
    """Insert with a fresh query code; a collision (about never) draws another."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                application.save()
            return application
        except IntegrityError:
            application.pk = None
            application.query_code = Application._meta.get_field("query_code").default()
    raise RuntimeError("could not draw a free query code")


def submit_online(data: dict, *, client_ip: str | None) -> Application:
    """A citizen's application from the public form (the challenge already verified).
    The clock starts only when staff confirm receipt (Art. 31)."""
    application = Application(**data, channel=Channel.ONLINE, client_ip=client_ip)
    clock.recompute(application)
    with transaction.atomic():
        _save_new(application)
        link = reverse("disclosure:detail", args=[application.pk])
        transaction.on_commit(lambda: _tell_office(application, link))
    return application


def _tell_office(application: Application, link: str) -> None:
    holders = permissions.users_with_perm(HANDLE, _root_unit()) if _root_unit() else []
    notify_many(
        holders,
        _("An application for information arrived online; confirm its receipt"),
        link=link,
        category=Category.APPLICATION,
        target=application,
    )


def _root_unit():
    from edu_portal.accounts.models import OrgUnit

    return OrgUnit.get_first_root_node()


def register(actor, data: dict, *, channel: str, received_on: dt.date) -> Application:
    """Staff register an application received in person, by post or by fax."""
    require_handler(actor)
    application = Application(
        **data, channel=channel, received_on=received_on, created_by=actor, state=S.OPEN
    )
    clock.recompute(application)
    with audit.actor_context(actor), transaction.atomic():
        _save_new(application)
    return application


def confirm_receipt(actor, application: Application, on: dt.date | None = None) -> Application:
    """Art. 31: an online application counts as received on the day receipt is confirmed."""
    return add_event(actor, application, T.RECEIPT_CONFIRMED, on or timezone.localdate())


def add_event(
    actor,
    application: Application,
    kind: str,
    on: dt.date,
    *,
    outcome: str = "",
    days: int | None = None,
    approver=None,
    note: str = "",
    reply_text: str = "",
    system: bool = False,
) -> Application:
    """Record one clock event and recompute the due date; nothing is written when the
    event is refused (``ValidationError`` with one sentence). ``system``: recorded by the
    platform's own task (abandonment after a lapsed period), with no person acting."""
    if not system:
        require_handler(actor)
    if approver is not None and not permissions.has_perm(approver, HANDLE):
        raise ValidationError(
            _("The approver must be someone of the disclosure office."), code="invalid_event"
        )
    with audit.actor_context(actor), transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        clock.check_event(locked, kind, on, outcome=outcome, days=days, approver=approver)
        ClockEvent.objects.create(
            application=locked,
            type=kind,
            on=on,
            outcome=outcome if kind == T.REPLIED else "",
            days=days if kind == T.EXTENDED else None,
            approver=approver if kind == T.EXTENDED else None,
            note=note,
            actor=actor,
        )
        if kind == T.RECEIPT_CONFIRMED:
            locked.received_on = on
        elif kind == T.REPLIED:
            locked.outcome, locked.replied_on, locked.reply_text = outcome, on, reply_text
        elif kind == T.ABANDONED:
            pending_fee = locked.state == S.PAUSED
            locked.outcome = Outcome.OTHER_NO_FEE if pending_fee else Outcome.OTHER_NO_CORRECTION
            locked.replied_on = on
        clock.recompute(locked)
        locked.save()  # audited by auditlog (Application is registered)
    return locked


def show_personal_data(actor, application: Application) -> None:
    """Record that ``actor`` saw the applicant's full personal data (Art. 29 fields)."""
    require_handler(actor)
    with audit.actor_context(actor):
        audit.log_event(
            application,
            {"viewed": ["", "applicant's personal data"]},
            action=LogEntry.Action.ACCESS,
        )


def recompute_open(years: set[int] | None = None) -> int:
    """Recompute the stored due dates of open applications (after the calendar changed);
    each change is audited. Returns how many changed."""
    changed = 0
    open_cases = Application.objects.exclude(state__in=Application.CLOSED_STATES).exclude(
        received_on=None
    )
    if years:
        # Only cases whose counting could reach into those years: received no more than
        # a year and a bit before the changed year's end.
        earliest = dt.date(min(years) - 2, 1, 1)
        open_cases = open_cases.filter(received_on__gte=earliest)
    with audit.actor_context(None):
        for application in open_cases.iterator():
            with transaction.atomic():
                locked = Application.objects.select_for_update().get(pk=application.pk)
                changes = clock.recompute(locked)
                if not changes:
                    continue
                # One entry that says why, rather than auditlog's bare field diff.
                Application.objects.filter(pk=locked.pk).update(
                    **{name: after for name, (_before, after) in changes.items()},
                    updated_at=timezone.now(),
                )
                audit.log_event(
                    locked,
                    {
                        "reason": ["", "official calendar changed"],
                        **{
                            name: [str(before), str(after)]
                            for name, (before, after) in changes.items()
                            if name != "due_steps"
                        },
                    },
                )
                changed += 1
    return changed
