"""Counts of Celery task outcomes (succeeded, failed, retried) per task name.

Tasks run in worker processes, often on other hosts, so a counter in the memory of the
process that runs the task is invisible to the web process that answers /metrics. The
worker therefore adds each outcome to a store that every process can read:

* Redis (REDIS_URL, else a redis:// broker): one hash, HINCRBY per outcome. This is the
  production set-up (the deployment guide's workers on several hosts all reach Redis), and
  an increment is one round trip.
* Otherwise a small SQLite file under VAR_DIR. Without Redis the platform runs embedded on
  one host (the filesystem broker of ``make run`` cannot span hosts), where web and worker
  share the disk. Not the main database: that would need a model and a write transaction
  per task on the database every request also uses, for a counter.

Counting never fails a task: a store that is away is logged and the outcome is lost.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

OUTCOMES = ("succeeded", "failed", "retried")
#: The Redis hash; fields are ``<task name>|<outcome>``. Tests point it elsewhere.
REDIS_KEY = "edu_portal:metrics:celery_task_outcomes"
_SEP = "|"
_local = threading.local()


def redis_url() -> str | None:
    """The Redis that holds the counts, or None for the SQLite file."""
    if settings.REDIS_URL:
        return settings.REDIS_URL
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        return broker
    return None


def sqlite_path() -> Path:
    return Path(settings.VAR_DIR) / "metrics" / "task-outcomes.sqlite3"


@contextmanager
def _sqlite() -> Iterator[sqlite3.Connection]:
    path = sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # A connection per call: the worker's and web's threads and forks never share one.
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS outcome (task TEXT NOT NULL, outcome TEXT NOT NULL,"
            " n INTEGER NOT NULL, PRIMARY KEY (task, outcome))"
        )
        yield conn
    finally:
        conn.close()


def record(task_name: str, outcome: str) -> None:
    """Add one ``outcome`` of ``task_name`` to the shared counts."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown task outcome {outcome!r}")
    try:
        url = redis_url()
        if url:
            from edu_portal.redisclient import get_client

            get_client(url).hincrby(REDIS_KEY, f"{task_name}{_SEP}{outcome}", 1)
        else:
            with _sqlite() as conn:
                conn.execute(
                    "INSERT INTO outcome (task, outcome, n) VALUES (?, ?, 1)"
                    " ON CONFLICT (task, outcome) DO UPDATE SET n = n + 1",
                    (task_name, outcome),
                )
    except Exception:  # a counter must never fail or retry the task it counts
        logger.warning("task outcome %s of %s not counted", outcome, task_name, exc_info=True)


def counts() -> dict[tuple[str, str], int]:
    """``{(task name, outcome): count}`` over every worker since the store began."""
    url = redis_url()
    result: dict[tuple[str, str], int] = {}
    if url:
        from edu_portal.redisclient import get_client

        for key, value in get_client(url).hgetall(REDIS_KEY).items():
            task, _, outcome = key.rpartition(_SEP)
            if task and outcome in OUTCOMES:
                result[(task, outcome)] = int(value)
        return result
    if not sqlite_path().exists():
        return result
    with _sqlite() as conn:
        for task, outcome, n in conn.execute("SELECT task, outcome, n FROM outcome"):
            result[(task, outcome)] = int(n)
    return result


# --- Celery signals (connected by OperationsConfig.ready in every process, workers too) ---


def _name(sender: object) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def _on_success(sender: object = None, **_kwargs: object) -> None:
    record(_name(sender), "succeeded")


def _on_failure(sender: object = None, **_kwargs: object) -> None:
    record(_name(sender), "failed")


def _on_retry(sender: object = None, **_kwargs: object) -> None:
    record(_name(sender), "retried")


def connect_signals() -> None:
    from celery import signals

    # weak=False: the receivers are module functions, but be explicit that they stay.
    signals.task_success.connect(_on_success, weak=False, dispatch_uid="edu_metrics_success")
    signals.task_failure.connect(_on_failure, weak=False, dispatch_uid="edu_metrics_failure")
    signals.task_retry.connect(_on_retry, weak=False, dispatch_uid="edu_metrics_retry")


__all__ = ["OUTCOMES", "connect_signals", "counts", "record", "redis_url"]
