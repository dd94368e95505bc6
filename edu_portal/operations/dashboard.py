"""What the administrators' "Backups and integrity" page shows, and its two buttons.

The page only reads ``BackupRun`` and ``IntegrityRun`` rows (written by the backup engine and
the integrity checker, whoever started them) and the backup settings. Its buttons enqueue
the jobs by their Celery task names, so this module depends on neither job's code: when the
task is registered in this process (always in a worker-less test run) Celery's signature
uses it, otherwise the message goes to the broker for a worker.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from kombu.exceptions import OperationalError

from edu_portal.celery import app as celery_app
from edu_portal.operations.models import BackupRun, IntegrityRun, RunStatus, Trigger

BACKUP_TASK = "operations.backup"
INTEGRITY_TASK = "operations.verify_integrity"
# A run still marked "running" after this long was abandoned (its worker died and never
# finished the row): it no longer blocks "Back up now". Six hours is the broker's visibility
# timeout, after which Redis would deliver a lost task again anyway.
RUNNING_WINDOW = datetime.timedelta(hours=6)
HISTORY_LENGTH = 30
INTEGRITY_HISTORY_LENGTH = 10


class Refused(Exception):
    """The job was not enqueued; the message is a sentence for the administrator."""


def public_target(target: str) -> str:
    """``target`` without credentials or query options: what may be shown on a page.

    ``s3://ACCESS:SECRET@host:9000/bucket/prefix?secure=false`` becomes
    ``s3://host:9000/bucket/prefix``; a directory path is shown as it is.
    """
    parts = urlsplit(target)
    if not parts.scheme or not parts.netloc:
        return target
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def duration_words(seconds: float | None) -> str:
    """``83.4`` → "1 min 23 s" (translated); empty for a run that has not finished."""
    if seconds is None:
        return ""
    total = round(seconds)
    if total < 60:
        return _("%(s)d s") % {"s": total}
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


def retention_words() -> str:
    """The retention settings as one sentence."""
    daily, weekly, monthly = (
        settings.BACKUP_KEEP_DAILY,
        settings.BACKUP_KEEP_WEEKLY,
        settings.BACKUP_KEEP_MONTHLY,
    )
    parts = [ngettext("%(n)d day", "%(n)d days", daily) % {"n": daily}]
    if weekly:
        parts.append(ngettext("%(n)d week", "%(n)d weeks", weekly) % {"n": weekly})
    if monthly:
        parts.append(ngettext("%(n)d month", "%(n)d months", monthly) % {"n": monthly})
    return _(
        "The newest backup of each of the last %(periods)s is kept; older backups, and the "
        "objects only they held, are removed after each successful backup."
    ) % {"periods": pgettext("list separator", ", ").join(parts)}


@dataclass
class BackupStatus:
    last: BackupRun | None
    last_good: BackupRun | None
    running: BackupRun | None
    history: list[BackupRun]
    max_age_hours: int
    age: datetime.timedelta | None
    #: The age in words ("1 day, 3 hours"), translated.
    age_text: str
    #: No good backup at all, or the newest good one is older than BACKUP_MAX_AGE_HOURS.
    stale: bool
    configured_target: str
    encrypted_by_default: bool
    retention: str


@dataclass
class IntegrityStatus:
    last: IntegrityRun | None
    running: IntegrityRun | None
    history: list[IntegrityRun]
    findings: list[dict] = field(default_factory=list)


def _running(model, now: datetime.datetime):
    return (
        model.objects.filter(status=RunStatus.RUNNING, started_at__gte=now - RUNNING_WINDOW)
        .order_by("-started_at", "-id")
        .first()
    )


def _trigger_words(trigger: str) -> str:
    # The models' choice labels are shared words ("Scheduled" is 定时发送 for notices); a
    # job started by the clock needs its own.
    if trigger == Trigger.SCHEDULED:
        return pgettext("operations job", "Scheduled")
    return pgettext("operations job", "Run by hand")


def _described(runs: list) -> list:
    """The runs, each with its duration in words and (backups) its target fit to show."""
    for run in runs:
        run.trigger_text = _trigger_words(run.trigger)
        run.duration_text = duration_words(getattr(run, "duration_seconds", None))
        # The engine stores the target without credentials; shown through the same filter
        # anyway, since a page is the worst place for a leaked S3 secret.
        run.public_target = public_target(getattr(run, "target", ""))
    return runs


def backup_status(now: datetime.datetime | None = None) -> BackupStatus:
    now = now or timezone.now()
    history = _described(list(BackupRun.objects.all()[:HISTORY_LENGTH]))
    last_good = BackupRun.objects.filter(status=RunStatus.OK).order_by("-started_at").first()
    good_at = (last_good.finished_at or last_good.started_at) if last_good else None
    age = now - good_at if good_at else None
    max_age = settings.BACKUP_MAX_AGE_HOURS
    return BackupStatus(
        last=history[0] if history else None,
        last_good=last_good,
        running=_running(BackupRun, now),
        history=history,
        max_age_hours=max_age,
        age=age,
        age_text=timesince(good_at, now) if good_at else "",
        stale=age is None or age > datetime.timedelta(hours=max_age),
        configured_target=public_target(settings.BACKUP_TARGET),
        encrypted_by_default=bool(settings.BACKUP_ENCRYPTION_KEY),
        retention=retention_words(),
    )


PROBLEM_LABELS = {
    "changed": lambda: _("Changed"),
    "missing": lambda: _("Missing"),
    "unexpected": lambda: _("Unexpected"),
}


def integrity_status(now: datetime.datetime | None = None) -> IntegrityStatus:
    now = now or timezone.now()
    history = _described(list(IntegrityRun.objects.all()[:INTEGRITY_HISTORY_LENGTH]))
    last = history[0] if history else None
    findings = []
    for item in (last.findings if last and isinstance(last.findings, list) else [])[:200]:
        if not isinstance(item, dict):
            continue
        problem = str(item.get("problem", ""))
        label = PROBLEM_LABELS.get(problem)
        findings.append(
            {
                "kind": str(item.get("kind", "")),
                "ref": str(item.get("ref", "")),
                "problem": problem,
                "problem_label": label() if label else problem,
                "detail": str(item.get("detail", "")),
            }
        )
    return IntegrityStatus(
        last=last, running=_running(IntegrityRun, now), history=history, findings=findings
    )


def _enqueue(task_name: str) -> None:
    # By name: the jobs' modules are not imported here (see the module docstring).
    try:
        celery_app.signature(task_name).apply_async(queue="default")
    except OperationalError as exc:
        raise Refused(
            _(
                "The task queue cannot be reached, so nothing was started. Check that the "
                "queue server (Redis) and the workers are running, then try again."
            )
        ) from exc


def request_backup(now: datetime.datetime | None = None) -> None:
    """Enqueue a backup now, unless one is running (a second would only wait for the
    target's lock and report a failure)."""
    running = _running(BackupRun, now or timezone.now())
    if running is not None:
        raise Refused(
            _(
                "A backup started at %(time)s is still running. Wait for it to finish; "
                "this page shows its result when it does."
            )
            % {"time": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")}
        )
    _enqueue(BACKUP_TASK)


def request_integrity_check(now: datetime.datetime | None = None) -> None:
    """Enqueue an integrity check now, unless one is running."""
    running = _running(IntegrityRun, now or timezone.now())
    if running is not None:
        raise Refused(
            _(
                "An integrity check started at %(time)s is still running. Wait for it to "
                "finish; this page shows its findings when it does."
            )
            % {"time": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")}
        )
    _enqueue(INTEGRITY_TASK)
