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
