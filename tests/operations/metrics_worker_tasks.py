"""Tasks for test_metrics_worker.py, loaded by a real Celery worker (``--include``).

Their names carry H6_TASK_SUFFIX so that each test run counts only its own tasks.
"""

from __future__ import annotations

import os

from edu_portal.celery import app

SUFFIX = os.environ.get("H6_TASK_SUFFIX", "unset")


@app.task(name=f"h6_worker.ok_{SUFFIX}", ignore_result=True)
def ok() -> None:
    return None


@app.task(name=f"h6_worker.fails_{SUFFIX}", ignore_result=True)
def fails() -> None:
    raise RuntimeError("a task that fails on purpose")


@app.task(name=f"h6_worker.retries_{SUFFIX}", bind=True, max_retries=1, ignore_result=True)
def retries(self) -> None:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
