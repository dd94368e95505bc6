"""Celery tasks of letters; idempotent (each does only what is still missing)."""

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


@shared_task(name="interaction.send_answer", queue="default", acks_late=True, **_RETRY)
def send_answer(letter_id: int) -> str:
    from edu_portal.interaction import outbox

    return outbox.send_answer(letter_id)


@shared_task(name="interaction.letter_deadlines", queue="default", **_RETRY)
def letter_deadlines() -> dict:
    from edu_portal.interaction import reminders

    return reminders.run()
