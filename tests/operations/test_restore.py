"""``verify_backup`` and ``restore`` in-process: every refusal happens before anything is
written (the test database stays as it is), and verification names each bad file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edu_portal.operations.backup import manifest as manifests
from edu_portal.operations.models import BackupRun
from edu_portal.storage import get_storage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup_dir(tmp_path, settings) -> Path:
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = ""
    store = get_storage()
    store.put_bytes("uploads/lesson.txt", b"lesson one " * 500, content_type="text/plain")
    store.put_bytes("uploads/photo.jpg", b"\xff\xd8" + bytes(range(256)) * 300)
    target = tmp_path / "backups"
    call_command("backup", "--to", str(target))
    return target


def name_of(target: Path) -> str:
    return BackupRun.objects.get().name


def rewrite_manifest(target: Path, change) -> None:
    """Alter the manifest and re-seal the marker, as an attacker with write access to an
    unencrypted target could: only the restore's own checks stand in the way."""
    name = name_of(target)
    path = target / "backups" / name / "manifest.json"
    manifest = json.loads(path.read_bytes())
    change(manifest)
    blob = json.dumps(manifest).encode()
    path.write_bytes(blob)
    marker = target / "backups" / name / "complete.json"
    marker.write_text(json.dumps({"manifest_sha256": hashlib.sha256(blob).hexdigest()}))


def test_verify_passes_on_an_intact_backup(backup_dir, capsys):
    call_command("verify_backup", str(backup_dir))
    assert "2 objects" in capsys.readouterr().out


def test_verify_names_an_altered_object(backup_dir, capsys):
    sha = hashlib.sha256(b"lesson one " * 500).hexdigest()
    (backup_dir / manifests.object_key(sha, False)).write_bytes(b"lesson one, altered")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_backup", str(backup_dir))
    err = capsys.readouterr().err
    assert "uploads/lesson.txt" in err and "altered" in err
    assert "uploads/photo.jpg" not in err


def test_verify_names_a_missing_object_and_a_tampered_dump(backup_dir, capsys):
    sha = hashlib.sha256(b"lesson one " * 500).hexdigest()
    (backup_dir / manifests.object_key(sha, False)).unlink()
    dump = next((backup_dir / "backups" / name_of(backup_dir)).glob("database.*"))
    with open(dump, "r+b") as handle:
        handle.seek(200)
        handle.write(b"X")
    with pytest.raises(CommandError, match="2 problem"):
        call_command("verify_backup", str(backup_dir))
    err = capsys.readouterr().err
    assert "uploads/lesson.txt: missing" in err and "database dump" in err


def test_a_tampered_manifest_is_refused(backup_dir):
    path = backup_dir / "backups" / name_of(backup_dir) / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b"lesson", b"lessen"))
    for command in ("verify_backup", "restore"):
        with pytest.raises(CommandError, match="altered or damaged"):
            call_command(command, str(backup_dir))


def test_an_incomplete_backup_is_not_restored(backup_dir):
    name = name_of(backup_dir)
    (backup_dir / "backups" / name / "complete.json").unlink()
    with pytest.raises(CommandError, match="no complete backup"):
        call_command("restore", str(backup_dir))
    with pytest.raises(CommandError, match="incomplete"):
        call_command("verify_backup", str(backup_dir), "--backup", name)


def test_a_missing_source_is_refused(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    with pytest.raises(CommandError, match="There is no backup directory"):
        call_command("restore", str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="no complete backup"):
        call_command("verify_backup", str(tmp_path / "empty"))
    with pytest.raises(CommandError, match="Unknown backup target scheme"):
        call_command("restore", "gopher://host/x")


def test_traversal_keys_in_a_manifest_are_refused(backup_dir, tmp_path):
    def poison(manifest):
        manifest["objects"][0]["key"] = "../../etc/x"

    rewrite_manifest(backup_dir, poison)
    with pytest.raises(CommandError, match="unsafe object key"):
        call_command("restore", str(backup_dir), "--force")
    assert not (tmp_path / "etc").exists() and not Path("/etc/x").exists()


def test_a_non_empty_database_is_refused_without_force(backup_dir):
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(backup_dir))
    assert BackupRun.objects.count() == 1  # nothing replaced


def test_a_migration_mismatch_is_refused_and_named(backup_dir):
    def older_code(manifest):
        manifest["migrations"].append(["operations", "0099_from_the_future"])
        manifest["migrations"].remove(["operations", "0001_initial"])

    rewrite_manifest(backup_dir, older_code)
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(backup_dir), "--force")
    message = str(caught.value)
    assert "operations.0099_from_the_future" in message
    assert "operations.0001_initial" in message
    assert BackupRun.objects.count() == 1


def test_another_database_vendor_is_refused(backup_dir):
    from django.db import connection

    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"

    def vendor(manifest):
        manifest["database"]["vendor"] = other

    rewrite_manifest(backup_dir, vendor)
    with pytest.raises(CommandError, match="restore it into the same kind of database"):
        call_command("restore", str(backup_dir), "--force")


def test_wrong_passphrase_is_a_sentence(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = "the right passphrase"
    get_storage().put_bytes("uploads/secret.txt", b"classified")
    call_command("backup", "--to", str(tmp_path / "backups"))

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    for command in ("verify_backup", "restore"):
        with pytest.raises(CommandError, match="passphrase does not open"):
            call_command(command, str(tmp_path / "backups"), "--passphrase-file", str(wrong))
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="is encrypted: give its passphrase"):
        call_command("verify_backup", str(tmp_path / "backups"))
    right = tmp_path / "right.txt"
    right.write_text("the right passphrase\n")
    call_command("verify_backup", str(tmp_path / "backups"), "--passphrase-file", str(right))


def test_an_altered_encrypted_object_fails_verification(tmp_path, settings, capsys):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.BACKUP_ENCRYPTION_KEY = "pass"
    get_storage().put_bytes("uploads/secret.txt", b"classified " * 100)
    call_command("backup", "--to", str(tmp_path / "backups"))
    sha = hashlib.sha256(b"classified " * 100).hexdigest()
    stored = tmp_path / "backups" / manifests.object_key(sha, True)
    data = bytearray(stored.read_bytes())
    data[-20] ^= 1
    stored.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_backup", str(tmp_path / "backups"))
    assert "uploads/secret.txt: does not decrypt" in capsys.readouterr().err
