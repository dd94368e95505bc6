"""Celery tasks of disclosure handling; each idempotent (does only what is still missing)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="disclosure.generate_letter", queue="default", acks_late=True, **_RETRY)
def generate_letter(letter_id: int) -> str:
    from edu_portal.disclosure import letters

    return letters.generate(letter_id)


@shared_task(name="disclosure.email_letter", queue="default", acks_late=True, **_RETRY)
def email_letter(letter_id: int) -> str:
    from edu_portal.disclosure import letters

    return letters.email_now(letter_id)


@shared_task(name="disclosure.daily", queue="default", **_RETRY)
def daily() -> dict:
    """Abandon what waited too long for a correction or a fee, then remind of deadlines."""
    from edu_portal.disclosure import fees, reminders

    return {**fees.lapse_overdue(), **reminders.run()}
