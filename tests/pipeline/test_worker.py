"""The pipeline through real Celery workers: one in-process worker consuming the broker,
and a worker process killed mid-job whose job the sweeper hands to another run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from catalog.models import Resource
from tests.foundation.test_worker import isolated_broker  # noqa: F401 - fixture
from tests.pipeline.conftest import (
    RESOURCES,
    api_for,
    decode_master,
    fetch_prefix,
    object_keys,
    put_upload,
    upload_url,
)

ROOT = Path(__file__).resolve().parents[2]


def _reset_pools(app) -> None:
    """Producers are pooled per process with the broker options they were made with: with
    the filesystem broker, drop them so this test's messages go to its own folder (and
    later tests' to theirs). Only dropped, not closed: others may still hold them."""
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def own_broker(isolated_broker):  # noqa: F811
    _reset_pools(isolated_broker)
    yield isolated_broker
    _reset_pools(isolated_broker)


@pytest.mark.django_db(transaction=True)
def test_celery_worker_processes_the_job(own_broker, teacher, clips, tmp_path):
    with start_worker(own_broker, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        response = api_for(teacher).post(
            RESOURCES,
            {
                "title": "Lesson",
                "kind": "video",
                "upload": upload_url(put_upload(teacher, clips.path("one_second"))),
            },
            format="json",
        )
        assert response.status_code == 201
        resource = Resource.objects.get(pk=response.json()["id"])
        deadline = time.monotonic() + 60
        while resource.status not in ("ready", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            resource.refresh_from_db()
    assert resource.status == "ready", resource.jobs.get().error_detail
    job = resource.jobs.get()
    assert job.state == "ready" and job.percent == 100 and job.command
    decode_master(fetch_prefix(resource.output_prefix, tmp_path / "out"))


# --------------------------------------------------------------------------- killed worker
#
# pytest-django's SQLite test database lives in memory, out of reach of another process,
# so this test gives its subprocesses their own database file (migrated once) and object
# store, and reads the job's progress straight from that file.

SETUP = """
import django, hashlib, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from catalog.models import Resource
from edu_portal.accounts.models import User
from media_pipeline.processing.models import ProcessingJob
from edu_portal.storage import get_storage
data = open(sys.argv[1], "rb").read()
user = User.objects.create_user("teacher_kill")
resource = Resource.objects.create(title="kill", kind="video", uploader=user)
resource.source_key = f"sources/{resource.pk}/source"
resource.save()
get_storage().put_bytes(resource.source_key, data)
print(ProcessingJob.objects.create(resource=resource).pk)
"""

PROCESS = """
import django, sys
django.setup()
from media_pipeline.processing import services
print(services.process_job(int(sys.argv[1])))
"""

SWEEP_AND_PROCESS = """
import django, json, sys
django.setup()
from django.conf import settings
settings.PIPELINE_STALE_SECONDS = 0  # the killed worker's heartbeat is already "old"
from media_pipeline.processing import services
swept = services.sweep_stalled_jobs()
state = services.process_job(int(sys.argv[1]))
print(json.dumps({"swept": swept, "state": state}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="edu_portal.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'kill.sqlite3'}",
        OBJECT_STORE_URL=f"file://{tmp_path / 'objects'}",
        PYTHONPATH=str(ROOT),
    )
    return env


def _python(script: str, *args: str, env: dict[str, str], **kwargs):
    return [sys.executable, "-c", textwrap.dedent(script), *args], {
        "env": env,
        "cwd": ROOT,
        **kwargs,
    }


def _run(script: str, *args: str, env: dict[str, str]) -> str:
    command, kwargs = _python(script, *args, env=env)
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _percent(db: Path, job_id: int) -> float:
    with sqlite3.connect(db, timeout=5) as conn:
        row = conn.execute(
            "SELECT percent FROM media_pipeline_processingjob WHERE id = ?", (job_id,)
        ).fetchone()
    return row[0] if row else 0.0


def test_killed_worker_job_is_swept_and_finished(tmp_path, settings):
    source = tmp_path / "long.mp4"
    # Long and large enough that the encode is still running when percent first moves.
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=20",
         "-f", "lavfi", "-i", "sine=f=440:d=20", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-shortest", str(source)],
        check=True, timeout=60,
    )  # fmt: skip
    env = _env(tmp_path)
    job_id = int(_run(SETUP, str(source), env=env))

    command, kwargs = _python(PROCESS, str(job_id), env=env)
    # Own session, so the kill takes ffmpeg down with the worker as a dead host would.
    worker = subprocess.Popen(command, start_new_session=True, **kwargs)
    db = tmp_path / "kill.sqlite3"
    deadline = time.monotonic() + 60
    while _percent(db, job_id) <= 0 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker.poll() is None, "the job finished before it could be killed"
    assert 0 < _percent(db, job_id) < 90
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    result = json.loads(_run(SWEEP_AND_PROCESS, str(job_id), env=env))
    assert result == {"swept": {"requeued": [job_id], "failed": []}, "state": "ready"}

    settings.OBJECT_STORE_URL = env["OBJECT_STORE_URL"]
    keys = object_keys("hls/")
    prefixes = {key.rsplit("/", 1)[0].split("/")[:3][2] for key in keys}
    assert len(prefixes) == 1 and str(job_id) in prefixes
    prefix = f"hls/{keys[0].split('/')[1]}/{job_id}/"
    assert prefix + "master.m3u8" in keys
    decode_master(fetch_prefix(prefix, tmp_path / "out"))
    with sqlite3.connect(db) as conn:
        state, attempts, percent = conn.execute(
            "SELECT state, attempts, percent FROM media_pipeline_processingjob WHERE id = ?",
            (job_id,),
        ).fetchone()
    assert (state, attempts, percent) == ("ready", 2, 100)
