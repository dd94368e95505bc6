"""The daily task ``operations.backup``: a failure reaches the administrators, a run that
finds another one still running is skipped quietly, a good run is recorded as scheduled."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from edu_portal.notifications.models import Notification
from edu_portal.operations import tasks
from edu_portal.operations.backup.engine import get_target
from edu_portal.operations.models import BackupRun, RunStatus, Trigger

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    return get_user_model().objects.create_superuser("backup_admin", "a@example.org", "Pw-4711!x")


def test_a_failed_backup_alerts_the_administrators(admin, settings):
    settings.BACKUP_TARGET = "ftp://backup.example/edu"
    result = tasks.backup.apply().get()
    assert result["status"] == "failed" and "Unknown backup target scheme" in result["error"]
    run = BackupRun.objects.get()
    assert run.status == RunStatus.FAILED and run.trigger == Trigger.SCHEDULED
    note = Notification.objects.get(recipient=admin)
    assert "Unknown backup target scheme" in note.body


def test_a_second_run_while_one_runs_is_skipped_without_alert(admin, settings, tmp_path):
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    with get_target(settings.BACKUP_TARGET).lock():
        result = tasks.backup.apply().get()
    assert result["status"] == "skipped"
    assert not Notification.objects.filter(recipient=admin).exists()
    assert not (tmp_path / "backups" / "backups").exists()


def test_a_scheduled_backup_is_recorded(admin, settings, tmp_path):
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    result = tasks.backup.apply().get()
    assert result["status"] == RunStatus.OK
    run = BackupRun.objects.get()
    assert run.trigger == Trigger.SCHEDULED and run.bytes_total > 0
    assert not Notification.objects.filter(recipient=admin).exists()


def test_an_unexpected_error_still_alerts(admin, settings, tmp_path, monkeypatch):
    from edu_portal.operations.backup import database

    def broken(directory):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(database, "dump", broken)
    settings.BACKUP_TARGET = str(tmp_path / "backups")
    with pytest.raises(RuntimeError):
        tasks.backup.apply(throw=True)
    assert "disk on fire" in Notification.objects.get(recipient=admin).body
    assert "disk on fire" in BackupRun.objects.get(status=RunStatus.FAILED).error
