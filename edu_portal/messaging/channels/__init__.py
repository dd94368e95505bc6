"""Channels of home-school notices: the inbox, e-mail and SMS.

The dispatcher (the sending core) claims a :class:`~edu_portal.messaging.models.Delivery`
(state SENDING, attempts counted) and calls :func:`send`. It sends on the delivery's channel
and leaves the delivery, by a conditional UPDATE from SENDING, in one of:

* ``sent`` with gateway, gateway id, segments and time (``delivered`` for the inbox: there
  is nothing to hand over, the inbox reads the recipient rows);
* ``failed`` with a short error (refused address, gateway refusal, too many attempts);
* ``held`` with ``not_before``: quiet hours, the gateway's rate, the number's daily cap, the
  same text just sent, or a temporary error; the dispatcher claims it again then;
* ``skipped``: the notice was withdrawn before this message went.

Expected failures never raise. A message is handed over at most once: ``handed_at`` is
set by a conditional UPDATE just before the SMTP server or gateway sees it, and an attempt
that finds it set (its worker died) records the delivery as sent without sending again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from ..models import Channel, Delivery, Notice
from . import quiet
from .outcome import Outcome, State, record

log = logging.getLogger(__name__)

__all__ = ["send"]


def send(delivery: Delivery) -> str:
    """Send ``delivery`` (claimed: state SENDING) and return the state it ends in."""
    current = (
        Delivery.objects.select_related("notice__org_unit", "recipient__user")
        .filter(pk=delivery.pk)
        .first()
    )
    if current is None:
        return "missing"
    if current.state != State.SENDING:
        return current.state
    now = timezone.now()
    try:
        outcome = _attempt(current, now)
    except Exception:
        log.exception("delivery %s: unexpected error on %s", current.pk, current.channel)
        if current.handed_at is not None:
            raise  # it may have gone; left SENDING, the next attempt records it as sent
        outcome = Outcome(
            State.HELD,
            not_before=now + datetime.timedelta(minutes=5),
            error="internal error",
            retry=True,
        )
    if outcome is None:
        return State.SENDING
    if outcome.retry and current.attempts >= settings.NOTICE_MAX_ATTEMPTS:
        outcome = Outcome(
            State.FAILED,
            gateway=outcome.gateway,
            segments=outcome.segments,
            error=f"gave up after {current.attempts} attempts: {outcome.error}",
        )
    if not record(current, outcome):
        current.refresh_from_db(fields=["state"])
    delivery.state = current.state
    return current.state


def _attempt(delivery: Delivery, now) -> Outcome | None:
    notice = delivery.notice
    if notice.state == Notice.State.WITHDRAWN and delivery.purpose != Delivery.Purpose.WITHDRAWAL:
        return Outcome(State.SKIPPED, error="the notice was withdrawn before this message went")
    if delivery.channel == Channel.INBOX:
        return Outcome(State.DELIVERED, gateway="inbox")
    if delivery.handed_at is not None:
        # An earlier attempt handed it over and died before recording it.
        gateway = "smtp" if delivery.channel == Channel.EMAIL else settings.SMS_BACKEND
        return Outcome(
            State.SENT, gateway=gateway, error="handed over by an earlier attempt; not sent again"
        )
    allowed = quiet.next_allowed(now, urgent=notice.urgent)
    if allowed > now:
        return Outcome(State.HELD, not_before=allowed)
    if not delivery.address.strip():
        return Outcome(State.FAILED, error="no address for this channel")
    if delivery.channel == Channel.EMAIL:
        from . import email

        return email.deliver(delivery, now)
    if delivery.channel == Channel.SMS:
        from . import sms

        return sms.deliver(delivery, now)
    return Outcome(State.FAILED, error=f"unknown channel {delivery.channel!r}")
