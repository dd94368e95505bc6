"""A real Celery worker consumes the configured broker (filesystem here, Redis in CI)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from edu_portal.celery import app
from edu_portal.portal.tasks import ping


@pytest.fixture
def isolated_broker(tmp_path):
    """Keep test messages away from a developer's running `make run` worker."""
    saved = dict(app.conf.broker_transport_options or {})
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        folder = tmp_path / "broker"
        folder.mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder),
        }
    yield app
    app.conf.broker_transport_options = saved


@pytest.mark.django_db(transaction=True)
def test_worker_processes_task_from_broker(isolated_broker):
    with start_worker(isolated_broker, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        result = ping.apply_async(queue="default")
        answer = result.get(timeout=30)
    assert "pong" in answer and answer["at"]


def test_worker_declares_every_project_queue():
    names = {queue.name for queue in app.conf.task_queues}
    assert names == set(settings.CELERY_TASK_QUEUE_NAMES)
    assert {"default", "media"} <= names
