"""/metrics: who may read it, and what the platform's own collector reports."""

from __future__ import annotations

import ipaddress
import math
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from edu_portal.operations.models import BackupRun, IntegrityRun, RunStatus

OUTSIDE = "203.0.113.7"
PROXY = "10.9.9.1"  # in TRUSTED_PROXIES of intranet_settings


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of the page, parsed by prometheus_client."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


# --- access -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loopback_reads_requests_latencies_and_every_part(client):
    client.get("/healthz")
    samples = scrape(client)
    names = {name for name, _ in samples}
    # django-prometheus's middleware: requests, statuses, latencies per view.
    assert value(samples, "django_http_responses_total_by_status_total", status="200") >= 1
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in names
    assert any(
        name == "django_http_requests_latency_seconds_by_view_method_count"
        and dict(labels).get("view") == "healthz"
        for name, labels in samples
    )
    for part in ("celery_queues", "celery_tasks", "transcode", "backup", "integrity"):
        assert value(samples, "edu_metrics_part_up", part=part) == 1.0, part


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "forwarded", "allowed"),
    [
        (OUTSIDE, None, False),  # the internet
        ("10.1.2.3", None, True),  # the intranet, directly
        (OUTSIDE, "127.0.0.1", False),  # a forged header from an untrusted client
        ("127.0.0.1", OUTSIDE, False),  # relayed by a proxy not in TRUSTED_PROXIES
        (PROXY, "10.1.2.3", True),  # the trusted proxy, for an intranet client
        (PROXY, OUTSIDE, False),  # the trusted proxy, for an outside client
        (PROXY, f"127.0.0.1, {OUTSIDE}", False),  # forged left part of the chain
        (PROXY, "not-an-address", False),
    ],
)
def test_only_internal_clients_may_scrape(client, intranet_settings, remote, forwarded, allowed):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.get("/metrics", **extra)
    if allowed:
        assert response.status_code == 200
        assert b"edu_backup_age_seconds" in response.content
    else:
        # The same answer as a path that does not exist: nothing of the page leaks.
        assert response.status_code == 404
        assert b"edu_" not in response.content
        assert b"django_http" not in response.content


@pytest.mark.django_db
def test_allowed_networks_is_a_setting(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("192.0.2.0/24")]
    assert client.get("/metrics").status_code == 404  # loopback no longer listed
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.9").status_code == 200


@pytest.mark.django_db
def test_metrics_only_read(client):
    assert client.post("/metrics").status_code == 405


# --- Celery queues ------------------------------------------------------------------------


@pytest.fixture
def unique_queues(settings):
    """Queue names of this test alone (parallel test processes share the broker)."""
    names = [f"h6-{uuid.uuid4().hex[:10]}-{n}" for n in ("a", "b")]
    settings.CELERY_TASK_QUEUE_NAMES = names
    return names


@pytest.mark.django_db
def test_queue_depths_on_the_filesystem_broker(client, settings, tmp_path, unique_queues):
    from edu_portal.celery import app

    folder = tmp_path / "queue"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        # Left out, kombu's control folder is ./control in the working directory.
        "control_folder": str(tmp_path / "control"),
    }
    saved = app.conf.broker_transport_options
    settings.CELERY_BROKER_URL = "filesystem://"
    app.conf.broker_transport_options = options
    try:
        with app.connection_for_write("filesystem://", transport_options=options) as conn:
            for _ in range(3):
                app.send_task("h6.nothing", queue=unique_queues[0], connection=conn)
        samples = scrape(client)
    finally:
        app.conf.broker_transport_options = saved
    assert value(samples, "edu_celery_queue_length", queue=unique_queues[0]) == 3
    assert value(samples, "edu_celery_queue_length", queue=unique_queues[1]) == 0


REDIS_14 = "redis://127.0.0.1:6379/14"


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_14, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.mark.django_db
def test_queue_depths_on_redis_count_every_priority(client, settings, unique_queues):
    from edu_portal.celery import app

    redis = _redis_or_skip()
    settings.CELERY_BROKER_URL = REDIS_14
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = {}
    try:
        with app.connection_for_write(REDIS_14) as conn:
            app.send_task("h6.nothing", queue=unique_queues[0], connection=conn)
            # kombu keeps priorities 3, 6, 9 in keys of their own beside the queue's name.
            app.send_task("h6.nothing", queue=unique_queues[0], priority=9, connection=conn)
            app.send_task("h6.nothing", queue=unique_queues[0], priority=5, connection=conn)
        assert len([k for k in redis.keys(f"{unique_queues[0]}*")]) == 3
        samples = scrape(client)
    finally:
        app.conf.broker_transport_options = saved
        for key in redis.keys(f"{unique_queues[0]}*"):
            redis.delete(key)
    assert value(samples, "edu_celery_queue_length", queue=unique_queues[0]) == 3
    assert value(samples, "edu_celery_queue_length", queue=unique_queues[1]) == 0


@pytest.mark.django_db
def test_a_dead_broker_leaves_the_rest_of_the_page(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    samples = scrape(client)
    assert value(samples, "edu_metrics_part_up", part="celery_queues") == 0.0
    assert not any(name == "edu_celery_queue_length" for name, _ in samples)
    assert value(samples, "edu_metrics_part_up", part="backup") == 1.0
    assert ("edu_backup_stale", ()) in samples


# --- transcode backlog --------------------------------------------------------------------


@pytest.mark.django_db
def test_transcode_backlog(client, teacher):
    from catalog.models import Resource
    from media_pipeline.processing.models import ProcessingJob

    def job(state: str, minutes_ago: int) -> None:
        resource = Resource.objects.create(
            title="课", kind=Resource.Kind.VIDEO, uploader=teacher, status="processing"
        )
        ProcessingJob.objects.create(
            resource=resource,
            state=state,
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
        )

    job("uploaded", 30)
    job("uploaded", 5)
    job("transcoding", 60)
    job("probing", 1)
    job("ready", 600)
    job("failed", 900)
    samples = scrape(client)
    assert value(samples, "edu_transcode_jobs", state="queued") == 2
    assert value(samples, "edu_transcode_jobs", state="running") == 2
    oldest = value(samples, "edu_transcode_oldest_queued_age_seconds")
    assert 30 * 60 - 5 <= oldest <= 30 * 60 + 60


@pytest.mark.django_db
def test_no_transcode_backlog(client):
    samples = scrape(client)
    assert value(samples, "edu_transcode_jobs", state="queued") == 0
    assert value(samples, "edu_transcode_oldest_queued_age_seconds") == 0


# --- backups ------------------------------------------------------------------------------


def backup_run(status: str, hours_ago: float, **fields) -> BackupRun:
    run = BackupRun.objects.create(target="/mnt/backup", status=status, **fields)
    moment = timezone.now() - timedelta(hours=hours_ago)
    # started_at is auto_now_add: set both times afterwards.
    BackupRun.objects.filter(pk=run.pk).update(
        started_at=moment - timedelta(minutes=5),
        finished_at=None if status == RunStatus.RUNNING else moment,
    )
    run.refresh_from_db()
    return run


@pytest.mark.django_db
def test_no_backup_yet_is_stale(client):
    samples = scrape(client)
    assert value(samples, "edu_backup_stale") == 1
    assert math.isinf(value(samples, "edu_backup_age_seconds"))
    assert value(samples, "edu_backup_last_success_timestamp_seconds") == 0
    assert value(samples, "edu_backup_max_age_seconds") == 26 * 3600
    for status in RunStatus.values:
        assert value(samples, "edu_backup_last_run_status", status=status) == 0


@pytest.mark.django_db
def test_a_recent_good_backup(client):
    run = backup_run(RunStatus.OK, 2, bytes_total=123_456_789, duration_seconds=61.5)
    samples = scrape(client)
    assert value(samples, "edu_backup_stale") == 0
    assert 2 * 3600 - 5 <= value(samples, "edu_backup_age_seconds") <= 2 * 3600 + 60
    assert value(samples, "edu_backup_last_success_timestamp_seconds") == pytest.approx(
        run.finished_at.timestamp()
    )
    assert value(samples, "edu_backup_last_run_status", status="ok") == 1
    assert value(samples, "edu_backup_last_run_status", status="failed") == 0
    assert value(samples, "edu_backup_last_run_size_bytes") == 123_456_789
    assert value(samples, "edu_backup_last_run_duration_seconds") == 61.5


@pytest.mark.django_db
def test_a_failed_run_after_an_old_good_one(client, settings):
    backup_run(RunStatus.OK, 27)  # older than 26 hours
    backup_run(RunStatus.FAILED, 3, error="disk full")
    samples = scrape(client)
    assert value(samples, "edu_backup_stale") == 1
    assert 27 * 3600 - 5 <= value(samples, "edu_backup_age_seconds") <= 27 * 3600 + 60
    assert value(samples, "edu_backup_last_run_status", status="failed") == 1
    assert value(samples, "edu_backup_last_run_status", status="ok") == 0
    settings.BACKUP_MAX_AGE_HOURS = 48
    assert value(scrape(client), "edu_backup_stale") == 0


# --- integrity ----------------------------------------------------------------------------


def integrity_run(status: str, hours_ago: float = 1, **fields) -> IntegrityRun:
    run = IntegrityRun.objects.create(status=status, **fields)
    moment = timezone.now() - timedelta(hours=hours_ago)
    IntegrityRun.objects.filter(pk=run.pk).update(started_at=moment, finished_at=moment)
    return run


@pytest.mark.django_db
def test_integrity_never_checked(client):
    samples = scrape(client)
    assert value(samples, "edu_integrity_ok") == 0
    assert math.isinf(value(samples, "edu_integrity_last_run_age_seconds"))


@pytest.mark.django_db
def test_integrity_clean(client):
    integrity_run(RunStatus.OK, 3, checked=420)
    samples = scrape(client)
    assert value(samples, "edu_integrity_ok") == 1
    assert value(samples, "edu_integrity_chain_ok") == 1
    assert value(samples, "edu_integrity_items_checked") == 420
    assert value(samples, "edu_integrity_last_run_status", status="ok") == 1
    assert value(samples, "edu_integrity_findings", problem="changed") == 0
    assert 3 * 3600 - 5 <= value(samples, "edu_integrity_last_run_age_seconds") <= 3 * 3600 + 60


@pytest.mark.django_db
def test_integrity_findings_and_a_broken_chain(client):
    integrity_run(RunStatus.OK, 30, checked=10)
    integrity_run(
        RunStatus.FAILED, 1, checked=10, changed=2, missing=1, unexpected=3, chain_ok=False
    )
    # A check still running does not hide the last finished one.
    IntegrityRun.objects.create(status=RunStatus.RUNNING)
    samples = scrape(client)
    assert value(samples, "edu_integrity_ok") == 0
    assert value(samples, "edu_integrity_chain_ok") == 0
    assert value(samples, "edu_integrity_findings", problem="changed") == 2
    assert value(samples, "edu_integrity_findings", problem="missing") == 1
    assert value(samples, "edu_integrity_findings", problem="unexpected") == 3
    assert value(samples, "edu_integrity_last_run_status", status="failed") == 1


@pytest.mark.django_db
def test_a_good_run_without_an_end_time_counts_from_its_start(client):
    backup_run(RunStatus.OK, 30)
    recent = BackupRun.objects.create(target="/mnt/backup", status=RunStatus.OK)
    BackupRun.objects.filter(pk=recent.pk).update(
        started_at=timezone.now() - timedelta(hours=1), finished_at=None
    )
    samples = scrape(client)
    assert value(samples, "edu_backup_stale") == 0
    assert 3600 - 5 <= value(samples, "edu_backup_age_seconds") <= 3600 + 60
