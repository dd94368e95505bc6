"""Celery tasks of home-school notices. All idempotent: each does only what is missing
(see ``sending``), so a redelivered task or a restarted worker sends nothing twice.

Scheduled notices wait in the database (``send_at``), not as Celery ETAs: ``send_due``
runs from beat and starts those whose time has come.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from edu_portal.messaging import retention, sending

_RETRY = {
    # A lock timeout or SQLite's "database is locked": the next attempt does the rest.
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="messaging.send_notice", queue="default", acks_late=True, **_RETRY)
def send_notice(notice_id: int) -> int:
    added = sending.freeze(notice_id)
    if sending.has_due(notice_id):
        dispatch.delay()
    return added


@shared_task(name="messaging.fan_out", queue="default", acks_late=True, **_RETRY)
def fan_out(notice_id: int, purpose: str, round: int = 0) -> int:
    added = sending.fan_out(notice_id, purpose, round)
    if sending.has_due(notice_id):
        dispatch.delay()
    return added


@shared_task(name="messaging.send_due", queue="default", acks_late=True)
def send_due() -> int:
    queue = sending.start_due()
    for notice_id in queue:
        send_notice.delay(notice_id)
    return len(queue)


@shared_task(name="messaging.dispatch", queue="default", acks_late=True)
def dispatch() -> int:
    return sending.dispatch()


@shared_task(name="messaging.purge_expired", queue="default", acks_late=True, **_RETRY)
def purge_expired() -> int:
    """Daily (beat): deliveries and replies of notices past NOTICE_RETENTION_DAYS."""
    return retention.purge_expired(seconds=600)
