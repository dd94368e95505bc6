"""/readyz reports the last good backup's age and the last integrity check to internal
callers, with warnings, without taking the web server out of the load balancer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from edu_portal.operations.models import BackupRun, IntegrityRun, RunStatus
from edu_portal.portal import health

OUTSIDE = "203.0.113.7"


def backup_run(status: str, hours_ago: float, **fields) -> BackupRun:
    run = BackupRun.objects.create(target="/mnt/backup", status=status, **fields)
    moment = timezone.now() - timedelta(hours=hours_ago)
    BackupRun.objects.filter(pk=run.pk).update(started_at=moment, finished_at=moment)
    return run


def integrity_run(status: str = RunStatus.OK, **fields) -> IntegrityRun:
    run = IntegrityRun.objects.create(status=status, **fields)
    IntegrityRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    return run


def ready(client, **extra) -> dict:
    response = client.get("/readyz", **extra)
    assert response.status_code == 200, response.content  # never 503 for these
    return response.json()


@pytest.mark.django_db
def test_no_backup_yet_is_a_warning_not_an_outage(client):
    body = ready(client)
    assert body["status"] == "ok"
    assert body["backup"]["status"] == "stale"
    assert body["backup"]["age_seconds"] is None
    assert body["backup"]["last_run"] is None
    assert body["integrity"] == {"status": "never_checked"}
    assert body["warnings"] == ["backup_stale", "integrity_never_checked"]


@pytest.mark.django_db
def test_fresh_backup_and_clean_check_give_no_warning(client):
    backup_run(RunStatus.OK, 3, bytes_total=2048, duration_seconds=12.0)
    integrity_run(checked=9)
    body = ready(client)
    assert body["warnings"] == []
    assert body["backup"]["status"] == "ok"
    assert 3 * 3600 - 5 <= body["backup"]["age_seconds"] <= 3 * 3600 + 60
    assert body["backup"]["max_age_hours"] == 26
    assert body["backup"]["last_run"]["status"] == "ok"
    assert body["backup"]["last_run"]["bytes_total"] == 2048
    assert body["integrity"]["status"] == "ok"
    assert body["integrity"]["checked"] == 9
    assert body["integrity"]["chain_ok"] is True


@pytest.mark.django_db
def test_a_backup_older_than_26_hours_is_reported(client):
    backup_run(RunStatus.OK, 27)
    backup_run(RunStatus.FAILED, 1, error="target unreachable")
    integrity_run()
    body = ready(client)
    assert body["status"] == "ok"
    assert body["warnings"] == ["backup_stale"]
    assert body["backup"]["status"] == "stale"
    assert body["backup"]["age_seconds"] >= 27 * 3600 - 5
    assert body["backup"]["last_run"]["status"] == "failed"


@pytest.mark.django_db
def test_the_limit_is_backup_max_age_hours(client, settings):
    backup_run(RunStatus.OK, 27)
    integrity_run()
    settings.BACKUP_MAX_AGE_HOURS = 30
    assert ready(client)["warnings"] == []
    settings.BACKUP_MAX_AGE_HOURS = 1
    assert ready(client)["warnings"] == ["backup_stale"]


@pytest.mark.django_db
def test_integrity_findings_and_a_rewritten_ledger(client):
    backup_run(RunStatus.OK, 1)
    integrity_run(RunStatus.FAILED, changed=1, missing=2)
    body = ready(client)
    assert body["warnings"] == ["integrity_findings"]
    assert (body["integrity"]["changed"], body["integrity"]["missing"]) == (1, 2)
    integrity_run(RunStatus.FAILED, chain_ok=False)
    assert ready(client)["warnings"] == ["integrity_ledger_altered"]


@pytest.mark.django_db
def test_outside_callers_learn_nothing_of_backups(client, intranet_settings):
    response = client.get("/readyz", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # A forged X-Forwarded-For from an untrusted client changes nothing.
    response = client.get("/readyz", REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_a_dead_database_is_not_asked_again(client, monkeypatch):
    def broken() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the backup state was read from a database reported down")

    monkeypatch.setattr(health, "backup_status", must_not_run)
    monkeypatch.setattr(health, "integrity_status", must_not_run)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["backup"]["status"] == "unknown"
    assert body["integrity"]["status"] == "unknown"
