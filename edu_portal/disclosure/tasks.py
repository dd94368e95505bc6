"""Celery tasks of disclosure handling; each idempotent (does only what is still missing).
The letter tasks live with the letters (``letters.generate_letter``, ``email_letter``) and
are imported here so that autodiscovery registers them."""

from __future__ import annotations

from celery import shared_task

from edu_portal.disclosure.letters import RETRY, email_letter, generate_letter

__all__ = ["daily", "email_letter", "generate_letter"]


@shared_task(name="disclosure.daily", queue="default", **RETRY)
def daily() -> dict:
    """Abandon what waited too long for a correction or a fee, then remind of deadlines."""
    from edu_portal.disclosure import fees, reminders

    return {**fees.lapse_overdue(), **reminders.run()}
