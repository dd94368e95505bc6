"""Celery task outcomes are counted where the task ran and read by /metrics elsewhere.

The tasks below run through Celery's tracer (``apply``, what CELERY_TASK_ALWAYS_EAGER uses;
it sends the same task_success / task_failure / task_retry signals as a worker), and the
counts are read back from the shared store by the web's /metrics view.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edu_portal.celery import app
from edu_portal.operations.metrics import task_outcomes

SUFFIX = uuid.uuid4().hex[:8]  # task names of this test process only


@app.task(name=f"h6_test.ok_{SUFFIX}")
def ok_task() -> int:
    return 1


@app.task(name=f"h6_test.fails_{SUFFIX}")
def failing_task() -> None:
    raise RuntimeError("the transcoder fell over")


@app.task(name=f"h6_test.retries_{SUFFIX}", bind=True, max_retries=1)
def retrying_task(self) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "second time lucky"


def outcomes(client) -> dict[tuple[str, str], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    result = {}
    for family in text_string_to_metric_families(response.content.decode()):
        if family.name == "edu_celery_tasks":
            for sample in family.samples:
                if sample.name == "edu_celery_tasks_total":
                    result[(sample.labels["task"], sample.labels["outcome"])] = sample.value
    return result


@contextmanager
def eager():
    # Dropped afterwards, not set to False: a value set on app.conf shadows the
    # CELERY_TASK_ALWAYS_EAGER setting for every later test in this process.
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.changes.pop("task_always_eager", None)


def run_tasks() -> None:
    with eager():
        ok_task.delay()
        ok_task.delay()
        assert failing_task.delay().failed()
        assert retrying_task.delay().get() == "second time lucky"


def assert_counted(counts: dict) -> None:
    assert counts[(ok_task.name, "succeeded")] == 2
    assert counts[(failing_task.name, "failed")] == 1
    assert (ok_task.name, "failed") not in counts
    assert counts[(retrying_task.name, "retried")] == 1
    assert counts[(retrying_task.name, "succeeded")] == 1


@pytest.fixture
def sqlite_store(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_outcomes_in_the_local_file_without_redis(client, sqlite_store):
    assert task_outcomes.redis_url() is None
    assert outcomes(client) == {}
    run_tasks()
    assert task_outcomes.sqlite_path().is_relative_to(sqlite_store)
    assert_counted(outcomes(client))


@pytest.fixture
def redis_store(settings, monkeypatch):
    import redis

    url = "redis://127.0.0.1:6379/14"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = url
    key = f"h6:test:{uuid.uuid4().hex}"
    monkeypatch.setattr(task_outcomes, "REDIS_KEY", key)
    yield client, key
    client.delete(key)


@pytest.mark.django_db
def test_outcomes_in_redis(client, redis_store):
    redis, key = redis_store
    run_tasks()
    # In the hash that every worker host writes to, not in this process's memory.
    assert redis.hget(key, f"{ok_task.name}|succeeded") == b"2"
    assert_counted(outcomes(client))


@pytest.mark.django_db
def test_a_store_that_is_away_never_fails_the_task(client, settings, monkeypatch):
    # No REDIS_URL: the counts go to the broker's Redis, which is away.
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(task_outcomes, "REDIS_KEY", f"h6:test:{uuid.uuid4().hex}")
    with eager():
        assert ok_task.delay().get() == 1
    # The page still answers; the part that could not be read says so.
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b'edu_metrics_part_up{part="celery_tasks"} 0.0' in response.content


def test_unknown_outcome_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown task outcome"):
        task_outcomes.record("x", "exploded")
