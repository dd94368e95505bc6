"""Task outcomes counted by a real Celery worker in a process (and host name) of its own,
read by the web's /metrics: the counts cross processes through Redis (DB 14 here). The
worker runs with LOG_FORMAT=json, and its own log records come out as JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import pytest
import redis as redis_lib
from prometheus_client.parser import text_string_to_metric_families

from edu_portal.celery import app
from edu_portal.operations.metrics import task_outcomes
from tests.deploy.servers import ROOT, child_env

REDIS_14 = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_14():
    client = redis_lib.Redis.from_url(REDIS_14, socket_connect_timeout=1, decode_responses=True)
    try:
        client.ping()
    except redis_lib.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.fixture
def worker(redis_14, tmp_path):
    suffix = uuid.uuid4().hex[:10]
    queue = f"h6-metrics-{suffix}"
    var = tmp_path / "var"
    var.mkdir()
    env = child_env(
        var,
        REDIS_URL=REDIS_14,
        CELERY_BROKER_URL=REDIS_14,
        H6_TASK_SUFFIX=suffix,
        LOG_FORMAT="json",
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "edu_portal",
                "worker",
                "-Q",
                queue,
                "-P",
                "solo",
                "-n",
                f"h6-metrics-{suffix}@%h",
                "--include",
                "tests.operations.metrics_worker_tasks",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield suffix, queue, process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        fields = [f for f in redis_14.hkeys(task_outcomes.REDIS_KEY) if suffix in f]
        if fields:
            redis_14.hdel(task_outcomes.REDIS_KEY, *fields)
        for key in redis_14.keys(f"{queue}*"):
            redis_14.delete(key)


def outcomes(client, suffix: str) -> dict[tuple[str, str], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name == "edu_celery_tasks_total" and suffix in sample.labels["task"]:
                found[(sample.labels["task"], sample.labels["outcome"])] = sample.value
    return found


@pytest.mark.django_db
def test_a_worker_process_counts_what_the_web_reports(client, settings, worker):
    suffix, queue, process, log = worker
    settings.REDIS_URL = REDIS_14
    with app.connection_for_write(REDIS_14) as conn:
        for name in ("ok", "ok", "fails", "retries"):
            app.send_task(f"h6_worker.{name}_{suffix}", queue=queue, connection=conn)
    expected = {
        (f"h6_worker.ok_{suffix}", "succeeded"): 2,
        (f"h6_worker.fails_{suffix}", "failed"): 1,
        (f"h6_worker.retries_{suffix}", "retried"): 1,
        (f"h6_worker.retries_{suffix}", "succeeded"): 1,
    }
    deadline = time.monotonic() + 90
    while (found := outcomes(client, suffix)) != expected:
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, (found, log.read_text()[-3000:])
        time.sleep(0.5)
    # LOG_FORMAT=json reaches the worker's own records too (Celery keeps its hands off the
    # root logger): the tracer's line about each task is a JSON object.
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    traced = [r for r in records if r["logger"] == "celery.app.trace"]
    assert any(f"h6_worker.fails_{suffix}" in r["message"] for r in traced), records
    assert any("a task that fails on purpose" in r.get("exc_info", "") for r in traced)
