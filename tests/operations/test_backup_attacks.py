"""Attacks on the backups (security review of issue 16), through the commands an operator
runs: someone who can write to the backup target must not get their own database or
objects restored, and a backup must never land where the web server publishes files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edu_portal.operations.models import BackupRun
from edu_portal.storage import get_storage

pytestmark = pytest.mark.django_db(transaction=True)


def _plant_unencrypted_backup(tmp_path: Path, settings, into: Path) -> str:
    """What an attacker with write access to the target can make without the passphrase:
    an unencrypted backup (their own database and objects), newer than the real ones.
    Made here with the platform's own command into a scratch directory, then copied in."""
    scratch = tmp_path / "attacker"
    settings.BACKUP_ENCRYPTION_KEY = ""
    call_command("backup", "--to", str(scratch))
    planted = BackupRun.objects.order_by("-started_at").first().name
    for path in scratch.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            destination = into / path.relative_to(scratch)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return planted


def test_an_unencrypted_backup_planted_in_an_encrypted_target_is_not_restored(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = "the bureau's passphrase"
    store = get_storage()
    store.put_bytes("uploads/notice.txt", b"the real notice")
    target = tmp_path / "backups"
    call_command("backup", "--to", str(target))

    store.put_bytes("uploads/notice.txt", b"the attacker's notice")
    planted = _plant_unencrypted_backup(tmp_path, settings, target)
    settings.BACKUP_ENCRYPTION_KEY = "the bureau's passphrase"
    runs_before = BackupRun.objects.count()

    # Chosen as the newest, or named: both refused, before anything is written.
    for extra in ([], ["--backup", planted]):
        with pytest.raises(CommandError, match="is not encrypted") as caught:
            call_command("restore", str(target), "--force", *extra)
        assert "--allow-unencrypted" in str(caught.value)
        with pytest.raises(CommandError, match="is not encrypted"):
            call_command("verify_backup", str(target), *extra)
    assert store.get_bytes("uploads/notice.txt") == b"the attacker's notice"  # untouched
    assert BackupRun.objects.count() == runs_before

    # The operator who knows the backup is theirs may still restore it, saying so.
    call_command("verify_backup", str(target), "--backup", planted, "--allow-unencrypted")


def test_an_unencrypted_backup_restores_when_no_passphrase_is_configured(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    get_storage().put_bytes("uploads/a.txt", b"plain")
    call_command("backup", "--to", str(tmp_path / "backups"))
    call_command("verify_backup", str(tmp_path / "backups"))


def test_a_passphrase_file_also_demands_an_encrypted_backup(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    get_storage().put_bytes("uploads/a.txt", b"plain")
    call_command("backup", "--to", str(tmp_path / "backups"))
    secret = tmp_path / "passphrase.txt"
    secret.write_text("expected to decrypt\n")
    with pytest.raises(CommandError, match="is not encrypted"):
        call_command("verify_backup", str(tmp_path / "backups"), "--passphrase-file", str(secret))


@pytest.mark.parametrize("where", ["inside", "itself"])
def test_a_backup_target_the_web_server_publishes_is_refused(tmp_path, settings, where):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    settings.STATIC_ROOT = tmp_path / "static"
    (tmp_path / "static").mkdir()
    target = tmp_path / "static" / "backups" if where == "inside" else tmp_path / "static"
    with pytest.raises(CommandError, match="published by the web server"):
        call_command("backup", "--to", str(target))
    assert not (tmp_path / "static" / "backups").exists()
    assert not list((tmp_path / "static").iterdir())


@pytest.mark.parametrize(
    "spec",
    [
        # An S3 secret with an unencoded "/" (common in generated secrets): the URL parser
        # takes the part before the "/" as the port, or the host.
        "s3://AKIAEXAMPLE:wJalrXU/tnFEMI@backup.example:9000/bucket",
        "s3://AKIAEXAMPLE:12/tnFEMI@backup.example/bucket",
    ],
)
def test_a_malformed_s3_target_never_shows_its_secret(tmp_path, settings, spec, admin):
    from edu_portal.notifications.models import Notification
    from edu_portal.operations import tasks

    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError) as caught:
        call_command("backup", "--to", spec)
    message = str(caught.value)
    assert "%2F" in message  # says how to write it
    for fragment in ("wJal", "tnFEMI", ":12"):
        assert fragment not in message
    run = BackupRun.objects.get()
    assert run.status == "failed"
    for fragment in ("wJal", "tnFEMI", "AKIA", ":12"):
        assert fragment not in run.target and fragment not in run.error

    # The daily task (BACKUP_TARGET) fails with the same sentence and alerts with it.
    settings.BACKUP_TARGET = spec
    result = tasks.backup()
    assert result["status"] == "failed"
    assert "wJal" not in str(result) and "tnFEMI" not in str(result)
    alert = Notification.objects.get(recipient=admin)
    assert "%2F" in alert.body
    assert "wJal" not in alert.body and "tnFEMI" not in alert.body
