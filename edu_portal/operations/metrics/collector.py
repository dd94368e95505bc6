"""The platform's own metrics, gathered when Prometheus scrapes (a custom collector).

Each part is read from where it lives (status.py, task_outcomes.py) at scrape time, so any
web process of any host gives the same numbers. A part that cannot be read (the broker is
down, say) is left out of that scrape and ``edu_metrics_part_up{part}`` says 0: the rest
of the page still arrives, and an alert can fire on the part that is missing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from edu_portal.operations.metrics import status, task_outcomes
from edu_portal.operations.models import RunStatus

logger = logging.getLogger(__name__)

PREFIX = "edu"


def _gauge(name: str, doc: str, value: float | None = None, labels: Iterable[str] = ()):
    family = GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=list(labels) or None)
    if value is not None:
        family.add_metric([], value)
    return family


def celery_queue_metrics() -> Iterator[Metric]:
    family = _gauge(
        "celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"]
    )
    for queue, depth in status.queue_depths().items():
        family.add_metric([queue], depth)
    yield family


def celery_task_metrics() -> Iterator[Metric]:
    family = CounterMetricFamily(
        f"{PREFIX}_celery_tasks",
        "Celery task outcomes counted by the workers (succeeded, failed, retried).",
        labels=["task", "outcome"],
    )
    for (task, outcome), count in sorted(task_outcomes.counts().items()):
        family.add_metric([task, outcome], count)
    yield family


def transcode_metrics() -> Iterator[Metric]:
    backlog = status.transcode_backlog()
    jobs = _gauge("transcode_jobs", "Transcode jobs waiting or running.", labels=["state"])
    jobs.add_metric(["queued"], backlog.queued)
    jobs.add_metric(["running"], backlog.running)
    yield jobs
    yield _gauge(
        "transcode_oldest_queued_age_seconds",
        "Seconds the oldest waiting transcode job has waited (0 when none waits).",
        backlog.oldest_queued_seconds,
    )


def _state_set(name: str, doc: str, current: str | None) -> Metric:
    family = _gauge(name, doc, labels=["status"])
    for choice in RunStatus.values:
        family.add_metric([choice], 1.0 if choice == current else 0.0)
    return family


def backup_metrics() -> Iterator[Metric]:
    state = status.backup_status()
    good, last = state.last_good, state.last_run
    finished = (good.finished_at or good.started_at) if good else None
    yield _gauge(
        "backup_last_success_timestamp_seconds",
        "Unix time the last good backup finished (0: none yet).",
        finished.timestamp() if finished else 0.0,
    )
    age = state.age_seconds
    yield _gauge(
        "backup_age_seconds",
        "Seconds since the last good backup finished (+Inf: none yet).",
        math.inf if age is None else age,
    )
    yield _gauge(
        "backup_max_age_seconds", "BACKUP_MAX_AGE_HOURS in seconds.", state.max_age_hours * 3600
    )
    yield _gauge(
        "backup_stale",
        "1 when the last good backup is older than BACKUP_MAX_AGE_HOURS or there is none.",
        1.0 if state.stale else 0.0,
    )
    yield _state_set(
        "backup_last_run_status",
        "1 for the status of the newest backup run.",
        last.status if last else None,
    )
    yield _gauge(
        "backup_last_run_size_bytes",
        "Size of the newest backup run in the target (0: no run yet).",
        last.bytes_total if last else 0,
    )
    yield _gauge(
        "backup_last_run_duration_seconds",
        "Duration of the newest finished backup run (0: no run yet).",
        (last.duration_seconds or 0.0) if last else 0.0,
    )


def integrity_metrics() -> Iterator[Metric]:
    state = status.integrity_status()
    run = state.last
    yield _state_set(
        "integrity_last_run_status",
        "1 for the status of the newest finished integrity check.",
        run.status if run else None,
    )
    findings = _gauge(
        "integrity_findings",
        "Items the newest integrity check found changed, missing or unexpected.",
        labels=["problem"],
    )
    for problem in ("changed", "missing", "unexpected"):
        findings.add_metric([problem], getattr(run, problem) if run else 0)
    yield findings
    yield _gauge(
        "integrity_chain_ok",
        "1 when the ledger's MAC chain verified in the newest check (0 also: never checked).",
        1.0 if run and run.chain_ok else 0.0,
    )
    yield _gauge(
        "integrity_ok",
        "1 when the newest check found nothing wrong; 0 when it did or none has run.",
        0.0 if state.problem else 1.0,
    )
    yield _gauge(
        "integrity_items_checked", "Items the newest check verified.", run.checked if run else 0
    )
    age = state.age_seconds
    yield _gauge(
        "integrity_last_run_age_seconds",
        "Seconds since the newest integrity check finished (+Inf: never).",
        math.inf if age is None else age,
    )


#: part name → the generator of its metrics, in the order they are written.
PARTS: dict[str, Callable[[], Iterator[Metric]]] = {
    "celery_queues": celery_queue_metrics,
    "celery_tasks": celery_task_metrics,
    "transcode": transcode_metrics,
    "backup": backup_metrics,
    "integrity": integrity_metrics,
}


class OperationsCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            f"{PREFIX}_metrics_part_up",
            "1 when this part of the platform's metrics could be read in this scrape.",
            labels=["part"],
        )
        for part, produce in PARTS.items():
            try:
                # Materialise first, so that a part failing halfway writes nothing.
                metrics = list(produce())
            except Exception:  # any failure of a source: reported as the part being down
                logger.warning("metrics: %s could not be read", part, exc_info=True)
                up.add_metric([part], 0.0)
                continue
            up.add_metric([part], 1.0)
            yield from metrics
        yield up


__all__ = ["PARTS", "OperationsCollector"]
