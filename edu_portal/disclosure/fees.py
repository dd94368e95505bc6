"""Fee notices (Art. 42) and the abandonment of applications whose correction or fee did
not come in time (Art. 30; 国办函〔2020〕109号).

Fees are charged only for excessive volume, by one of two methods of 109号:

* by item (按件计收): of the applicant's items (件) in one calendar month, the first 10 are
  free, the 11th to 30th cost 100 yuan each, and from the 31st on each band of 10 costs
  100 yuan more per item (31–40: 200, 41–50: 300, …);
* by volume (按量计收): of one application's pages, the first 30 are free, pages 31–100
  cost 10 yuan, 101–200 cost 20 yuan, from 201 on 40 yuan each.

How this module reads the clock: the fee notice stops it. The day the notice is sent still
counts; the working days from the next day up to and including the day of payment do not
(like a consultation: "the time from the notice until the fee is paid is not counted").
The applicant has DISCLOSURE_FEE_PERIOD_DAYS working days after the notice to pay; unpaid
by then, the application is treated as abandoned (outcome ``other_no_fee``). A correction
notice left unanswered for DISCLOSURE_CORRECTION_PERIOD_DAYS working days after it was sent
ends the same way (``other_no_correction``). Both by :func:`lapse_overdue`, run daily.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts import audit
from edu_portal.disclosure import actions
from edu_portal.disclosure.casework import (
    _require_office,
    _require_open,
    office_people,
    record,
    tell_after_commit,
)
from edu_portal.disclosure.models import Application, ClockEvent, FeeMethod, FeeNotice, Step
from edu_portal.workdays.calendar import due_date

log = logging.getLogger(__name__)
T = ClockEvent.Type
S = Application.State
ONE_DAY = dt.timedelta(days=1)


def _item_total(items: int) -> int:
    """Yuan for the first ``items`` items of a month (109号, by item)."""
    total = 0
    for n in range(11, items + 1):
        total += 100 if n <= 30 else 100 * (2 + (n - 31) // 10)
    return total


def _page_total(pages: int) -> int:
    total = 0
    for low, high, rate in ((31, 100, 10), (101, 200, 20), (201, None, 40)):
        if pages >= low:
            top = pages if high is None else min(pages, high)
            total += (top - low + 1) * rate
    return total


def fee_amount(method: str, quantity: int, earlier: int = 0) -> Decimal:
    """The fee in yuan: by item, for this application's ``quantity`` items after ``earlier``
    items the same month; by volume, for ``quantity`` pages."""
    if quantity < 1 or earlier < 0:
        raise ValueError("quantity must be positive and earlier not negative")
    if method == FeeMethod.PER_ITEM:
        return Decimal(_item_total(earlier + quantity) - _item_total(earlier))
    if method == FeeMethod.PER_PAGE:
        return Decimal(_page_total(quantity))
    raise ValueError(f"unknown fee method {method!r}")


def pay_by(notice_on: dt.date) -> dt.date:
    return due_date(notice_on, settings.DISCLOSURE_FEE_PERIOD_DAYS).due_on


def correction_answer_by(requested_on: dt.date) -> dt.date:
    return due_date(requested_on, settings.DISCLOSURE_CORRECTION_PERIOD_DAYS).due_on


def issue_notice(
    actor,
    application: Application,
    method: str,
    quantity: int,
    *,
    earlier: int = 0,
    on: dt.date | None = None,
    note: str = "",
) -> FeeNotice:
    """The office sends a fee notice: the clock stops (``fee_notice`` event)."""
    _require_office(actor)
    on = on or timezone.localdate()
    if method not in FeeMethod.values:
        raise ValidationError(_("Choose how the fee is charged."))
    if quantity is None or quantity < 1 or (earlier or 0) < 0:
        raise ValidationError(_("Give the number of items or pages."))
    if method == FeeMethod.PER_PAGE:
        earlier = 0
    amount = fee_amount(method, quantity, earlier)
    if amount <= 0:
        raise ValidationError(
            _(
                "No fee is due: only items beyond 10 a month or pages beyond 30 are charged "
                "(国办函〔2020〕109号)."
            )
        )
    with transaction.atomic():
        _require_open(application)
        actions.add_event(actor, application, T.FEE_NOTICE, on, note=note)
        try:
            with transaction.atomic():
                notice = FeeNotice.objects.create(
                    application=application,
                    method=method,
                    quantity=quantity,
                    earlier=earlier,
                    amount=amount,
                    notice_on=on,
                    pay_by=pay_by(on),
                    note=note,
                    created_by=actor,
                )
        except IntegrityError:
            raise ValidationError(_("A fee notice already awaits payment.")) from None
        record(
            actor,
            application,
            Step.Type.FEE_NOTICE,
            _("%(amount)s yuan, to be paid by %(day)s")
            % {"amount": amount, "day": notice.pay_by.isoformat()},
            on=on,
        )
    return notice


def record_payment(actor, notice: FeeNotice, on: dt.date | None = None) -> FeeNotice:
    """The fee came in: the clock runs again from the day after ``on``."""
    _require_office(actor)
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = FeeNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.state != FeeNotice.State.PENDING:
            raise ValidationError(_("This fee notice is no longer awaiting payment."))
        if on > locked.pay_by:
            raise ValidationError(
                _("The period to pay ended on %(day)s.") % {"day": locked.pay_by.isoformat()}
            )
        actions.add_event(actor, locked.application, T.FEE_PAID, on)
        locked.state, locked.paid_on = FeeNotice.State.PAID, on
        locked.save(update_fields=["state", "paid_on"])
        record(actor, locked.application, Step.Type.FEE_PAID, f"{locked.amount}", on=on)
    return locked


# --- the daily task -------------------------------------------------------------------------


def _abandon(application: Application, on: dt.date, reason: str) -> bool:
    try:
        with transaction.atomic(), audit.actor_context(None):
            actions.add_event(None, application, T.ABANDONED, on, note=reason, system=True)
            locked = Application.objects.get(pk=application.pk)
            record(None, locked, Step.Type.ABANDONED, reason, on=on)
            FeeNotice.objects.filter(application=locked, state=FeeNotice.State.PENDING).update(
                state=FeeNotice.State.LAPSED
            )
            tell_after_commit(
                office_people(),
                _("Application %(code)s treated as abandoned: %(reason)s")
                % {"code": locked.query_code, "reason": reason},
                locked,
            )
    except ValidationError as exc:  # closed or answered meanwhile: nothing to do
        log.info("application %s not abandoned: %s", application.pk, exc.messages)
        return False
    return True


def lapse_overdue(today: dt.date | None = None) -> dict:
    """Treat as abandoned what waited too long for a correction or a fee. Idempotent: a
    case once abandoned is closed and no longer selected; a case answered meanwhile is
    refused by the clock's check."""
    today = today or timezone.localdate()
    done = {"no_correction": 0, "no_fee": 0}
    waiting = Application.objects.filter(state=S.CORRECTION).only("pk")
    for application in waiting.iterator():
        requested = application.events.filter(type=T.CORRECTION_REQUESTED).order_by("-on").first()
        if requested is None:
            continue
        deadline = correction_answer_by(requested.on)
        if deadline < today:
            reason = _("no correction by %(day)s") % {"day": deadline.isoformat()}
            if _abandon(application, min(today, deadline + ONE_DAY), reason):
                done["no_correction"] += 1
    unpaid = FeeNotice.objects.filter(
        state=FeeNotice.State.PENDING, pay_by__lt=today, application__state=S.PAUSED
    ).select_related("application")
    for notice in unpaid:
        reason = _("fee not paid by %(day)s") % {"day": notice.pay_by.isoformat()}
        if _abandon(notice.application, min(today, notice.pay_by + ONE_DAY), reason):
            done["no_fee"] += 1
    return done
