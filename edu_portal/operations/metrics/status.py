"""The operational state that /metrics and /readyz report, read when they are asked.

Everything here is read at scrape (or probe) time from where it really lives: the broker's
queues, the transcode jobs, the last backup and integrity runs. Nothing is kept in the web
process's memory, so every gunicorn worker and every web host answers the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models.functions import Coalesce
from django.utils import timezone

from edu_portal.operations.models import BackupRun, IntegrityRun, RunStatus

#: Seconds to connect to or hear from the broker while counting its queues.
BROKER_TIMEOUT = 3.0


# --- Celery queues ------------------------------------------------------------------------


def queue_depths() -> dict[str, int]:
    """Messages waiting in each queue of CELERY_TASK_QUEUE_NAMES, asked of the broker.

    A passive ``queue_declare`` is how every kombu transport reports a queue's length:
    on Redis it sums the list of each priority step (kombu keeps priorities 3, 6 and 9 in
    keys of their own beside the queue's name), on the filesystem transport of ``make run``
    it counts the queue's message files, on RabbitMQ it is the server's message count.
    A queue that does not exist yet (Redis deletes an empty list; RabbitMQ before the
    first worker declared it) holds nothing: 0.
    """
    from edu_portal.celery import app

    options = dict(app.conf.broker_transport_options or {})
    options.setdefault("socket_connect_timeout", BROKER_TIMEOUT)  # Redis
    options.setdefault("socket_timeout", BROKER_TIMEOUT)
    depths: dict[str, int] = {}
    with app.connection_for_read(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT, transport_options=options
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
        for name in settings.CELERY_TASK_QUEUE_NAMES:
            # A channel per queue: on AMQP a failed passive declare closes its channel.
            channel = conn.channel()
            try:
                depths[name] = int(channel.queue_declare(queue=name, passive=True).message_count)
            except conn.channel_errors:
                depths[name] = 0
            finally:
                try:
                    channel.close()
                except conn.connection_errors + conn.channel_errors:
                    pass
    return depths


# --- transcoding --------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscodeBacklog:
    queued: int
    running: int
    #: Seconds the oldest waiting job has waited; 0 when none waits.
    oldest_queued_seconds: float


def transcode_backlog(now: datetime | None = None) -> TranscodeBacklog:
    from media_pipeline.processing.models import ProcessingJob

    state = ProcessingJob.State
    now = now or timezone.now()
    jobs = ProcessingJob.objects
    queued = jobs.filter(state=state.UPLOADED)
    oldest = queued.order_by("created_at").values_list("created_at", flat=True).first()
    running = jobs.filter(state__in=[state.PROBING, state.TRANSCODING, state.PUBLISHING])
    return TranscodeBacklog(
        queued=queued.count(),
        running=running.count(),
        oldest_queued_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


# --- backups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupStatus:
    #: The newest backup that succeeded, or None when none ever did.
    last_good: BackupRun | None
    #: The newest backup run of any outcome (may be running or failed).
    last_run: BackupRun | None
    max_age_hours: int
    now: datetime = field(default_factory=timezone.now)

    @property
    def age_seconds(self) -> float | None:
        if self.last_good is None:
            return None
        finished = self.last_good.finished_at or self.last_good.started_at
        return max(0.0, (self.now - finished).total_seconds())

    @property
    def stale(self) -> bool:
        """No good backup at all, or the last good one is older than BACKUP_MAX_AGE_HOURS."""
        age = self.age_seconds
        return age is None or age > self.max_age_hours * 3600

    def as_dict(self) -> dict[str, object]:
        good, last = self.last_good, self.last_run
        return {
            "status": "stale" if self.stale else "ok",
            "max_age_hours": self.max_age_hours,
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds),
            "last_good_at": _iso(good.finished_at or good.started_at) if good else None,
            "last_run": None
            if last is None
            else {
                "status": last.status,
                "started_at": _iso(last.started_at),
                "finished_at": _iso(last.finished_at),
                "bytes_total": last.bytes_total,
                "duration_seconds": last.duration_seconds,
            },
        }


def backup_status(now: datetime | None = None) -> BackupStatus:
    return BackupStatus(
        # By when it ended (its start if no end was written): a bare "-finished_at" puts
        # NULLs first on PostgreSQL and last on SQLite.
        last_good=BackupRun.objects.filter(status=RunStatus.OK)
        .order_by(Coalesce("finished_at", "started_at").desc(), "-id")
        .first(),
        last_run=BackupRun.objects.order_by("-started_at", "-id").first(),
        max_age_hours=settings.BACKUP_MAX_AGE_HOURS,
        now=now or timezone.now(),
    )


# --- integrity ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityStatus:
    #: The newest check that finished (succeeded or failed); None before the first.
    last: IntegrityRun | None
    now: datetime = field(default_factory=timezone.now)

    @property
    def problem(self) -> str | None:
        """Why the platform's content cannot be trusted as it stands, or None."""
        run = self.last
        if run is None:
            return "never_checked"
        if not run.chain_ok:
            return "ledger_altered"
        if run.changed or run.missing or run.unexpected:
            return "findings"
        if run.status == RunStatus.FAILED:
            return "check_failed"
        return None

    @property
    def age_seconds(self) -> float | None:
        if self.last is None:
            return None
        finished = self.last.finished_at or self.last.started_at
        return max(0.0, (self.now - finished).total_seconds())

    def as_dict(self) -> dict[str, object]:
        run = self.last
        if run is None:
            return {"status": "never_checked"}
        return {
            "status": self.problem or "ok",
            "checked_at": _iso(run.finished_at or run.started_at),
            "age_seconds": round(self.age_seconds or 0),
            "checked": run.checked,
            "changed": run.changed,
            "missing": run.missing,
            "unexpected": run.unexpected,
            "chain_ok": run.chain_ok,
        }


def integrity_status(now: datetime | None = None) -> IntegrityStatus:
    # A run still going says nothing yet; the last finished one is the state of things.
    last = (
        IntegrityRun.objects.exclude(status=RunStatus.RUNNING)
        .order_by("-started_at", "-id")
        .first()
    )
    return IntegrityStatus(last=last, now=now or timezone.now())


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


__all__ = [
    "BackupStatus",
    "IntegrityStatus",
    "TranscodeBacklog",
    "backup_status",
    "integrity_status",
    "queue_depths",
    "transcode_backlog",
]
