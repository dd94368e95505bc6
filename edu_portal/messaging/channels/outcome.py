"""What an attempt on a channel ended in, and the conditional UPDATE that records it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ..models import Delivery

State = Delivery.State


@dataclass(frozen=True)
class Outcome:
    state: str
    gateway: str = ""
    gateway_id: str = ""
    segments: int = 0
    error: str = ""
    not_before: datetime.datetime | None = None
    # Held after a temporary error (not quiet hours or pacing): counts towards giving up.
    retry: bool = False
    # Nothing reached the server or gateway: the next attempt may hand it over.
    release: bool = False


def hand_over(delivery: Delivery) -> bool:
    """Mark ``delivery`` as being handed over now; False when an earlier attempt did (or
    another worker holds it), and the message must not go again."""
    now = timezone.now()
    done = Delivery.objects.filter(
        pk=delivery.pk, state=State.SENDING, handed_at__isnull=True
    ).update(handed_at=now)
    if done:
        delivery.handed_at = now
    return bool(done)


def record(delivery: Delivery, outcome: Outcome) -> bool:
    """Move ``delivery`` from SENDING to the outcome's state; False if it was not SENDING
    any more (another attempt finished it)."""
    now = timezone.now()
    fields: dict = {"state": outcome.state, "error": outcome.error[:300]}
    if outcome.gateway:
        fields["gateway"] = outcome.gateway
    if outcome.gateway_id:
        fields["gateway_id"] = outcome.gateway_id[:100]
    if outcome.segments:
        fields["segments"] = outcome.segments
    if outcome.state in (State.SENT, State.DELIVERED):
        fields["sent_at"] = now
    if outcome.state == State.DELIVERED:
        fields["delivered_at"] = now
    if outcome.state == State.HELD:
        fields["not_before"] = outcome.not_before
        if outcome.release:
            fields["handed_at"] = None
    updated = Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(delivery, name, value)
    return bool(updated)
