"""Celery tasks of the operations app ("operations.<what it does>"), run by beat."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


# acks_late: a backup cut short by a dying worker runs again; the target's lock makes a
# second delivery while the first still runs a no-op (it is refused, not queued behind).
@shared_task(name="operations.backup", queue="default", acks_late=True)
def backup() -> dict:
    """Daily: back up into BACKUP_TARGET; tell the administrators when it fails."""
    from django.urls import NoReverseMatch, reverse
    from django.utils.translation import gettext

    from edu_portal.operations.alerts import alert_administrators
    from edu_portal.operations.backup.engine import BackupFailed, run_backup
    from edu_portal.operations.backup.target import TargetBusy
    from edu_portal.operations.models import Trigger

    def alert(error: str) -> None:
        try:
            link = reverse("admin:operations_backuprun_changelist")
        except NoReverseMatch:
            link = ""
        alert_administrators(gettext("The daily backup failed"), error, link)

    try:
        run = run_backup(trigger=Trigger.SCHEDULED)
    except BackupFailed as exc:
        if isinstance(exc.__cause__, TargetBusy):
            log.info("backup skipped: %s", exc)
            return {"status": "skipped", "reason": str(exc)}
        alert(str(exc))
        return {"status": "failed", "error": str(exc)}
    except Exception as exc:
        # A bug, not a foreseen failure: the administrators still learn that there is no
        # backup tonight, and the task fails loudly with its traceback.
        alert(f"The backup failed unexpectedly: {exc!r}")
        raise
    return {"status": run.status, "name": run.name, "bytes": run.bytes_total}
