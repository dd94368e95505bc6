"""Celery tasks of the portal ("cms.<what it does>"), run by beat (settings
CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

# --- part E: the inspection self-check and visit statistics ---------------------------------


@shared_task(name="cms.site_inspection", queue="default")
def site_inspection() -> dict:
    """Daily: run the inspection and tell the office when a single-veto rule fails."""
    from edu_portal.cms import inspection

    report = inspection.run()
    told = inspection.alert_office(report)
    return {"passed": not report.failed, "told": told}


# Every STATS_FLUSH_SECONDS; overlapping runs are harmless (see catalog/counters.py).
@shared_task(name="cms.flush_page_visits", queue="default", acks_late=True)
def flush_page_visits() -> list[dict]:
    from edu_portal.cms import visits

    return visits.flush()


# --- part C: scheduled publishing and expiry ------------------------------------------------


@shared_task(name="cms.publish_scheduled", queue="default", ignore_result=True)
def publish_scheduled() -> None:
    """Wagtail's scheduled publishing and expiry (go_live_at / expire_at), every minute.

    Runs Wagtail's own ``publish_scheduled`` command; its publishes and unpublishes send
    Wagtail's signals, which ``cms.audit_hooks`` records in the audit log as done by the
    system (no actor, no address)."""
    from django.core.management import call_command

    from edu_portal.accounts.audit import actor_context

    with actor_context(None):
        call_command("publish_scheduled", verbosity=0)
