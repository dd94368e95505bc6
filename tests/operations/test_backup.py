"""``manage.py backup`` in-process: what lands in the target, incremental copies, the run
row, secrets kept out, retention, the lock, and the refusals (bad targets)."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from edu_portal.operations.backup import manifest as manifests
from edu_portal.operations.backup import retention
from edu_portal.operations.backup.engine import get_target
from edu_portal.operations.models import BackupRun, RunStatus
from edu_portal.storage import get_storage
from tests.storage.conftest import free_port

# The dump reads committed data (pg_dump, a separate connection; SQLite's backup API
# cannot run inside the test's open transaction), so these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def platform(tmp_path, settings):
    """A platform store of its own holding three objects (two with the same bytes)."""
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.OBJECT_STORE_RETRIES = 0
    settings.OBJECT_STORE_TIMEOUT = 5
    settings.BACKUP_ENCRYPTION_KEY = ""
    store = get_storage()
    store.put_bytes("uploads/a.txt", b"alpha " * 1000, content_type="text/plain")
    store.put_bytes("uploads/b.bin", bytes(range(256)) * 5000)
    store.put_bytes("hls/1/copy-of-a.txt", b"alpha " * 1000, content_type="text/plain")
    return store


def target_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")  # the store's sidecars, the lock
    }


def latest_manifest(target_dir: Path) -> dict:
    target = get_target(str(target_dir))
    name = manifests.choose(target, None)
    return manifests.load(target, name, "").manifest


def test_backup_writes_database_objects_manifest_and_marker(platform, tmp_path, capsys):
    target_dir = tmp_path / "backups"
    call_command("backup", "--to", str(target_dir))

    run = BackupRun.objects.get()
    assert run.status == RunStatus.OK, run.error
    assert run.target == str(target_dir)
    assert run.objects_total == 3 and run.objects_copied == 2  # a.txt's bytes stored once
    assert run.database_bytes > 0 and run.duration_seconds is not None

    manifest = latest_manifest(target_dir)
    assert manifest["name"] == run.name
    assert {e["key"] for e in manifest["objects"]} == {
        "uploads/a.txt",
        "uploads/b.bin",
        "hls/1/copy-of-a.txt",
    }
    for entry in manifest["objects"]:
        data = platform.get_bytes(entry["key"])
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        stored = target_dir / manifests.object_key(entry["sha256"], False)
        assert stored.read_bytes() == data
    assert ["operations", "0001_initial"] in manifest["migrations"]
    assert manifest["database"]["vendor"] in ("sqlite", "postgresql")
    assert manifest["row_counts"]["operations_backuprun"] == 1
    dump = target_dir / "backups" / run.name / manifest["database"]["file"]
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == manifest["database"]["sha256"]
    assert (target_dir / "backups" / run.name / "complete.json").exists()


def test_second_backup_copies_only_new_objects(platform, tmp_path):
    target_dir = tmp_path / "backups"
    call_command("backup", "--to", str(target_dir))
    platform.put_bytes("uploads/new.txt", b"new bytes")
    call_command("backup", "--to", str(target_dir))

    first, second = BackupRun.objects.order_by("started_at", "id")
    assert second.status == RunStatus.OK
    assert second.objects_total == 4 and second.objects_copied == 1
    assert second.name != first.name


def test_secrets_never_reach_the_target(platform, tmp_path, settings, moto_endpoint):
    secret = f"s3-secret-{uuid.uuid4().hex}"
    settings.SECRET_KEY = f"django-secret-{uuid.uuid4().hex}"
    settings.INTEGRITY_LEDGER_KEY = f"ledger-key-{uuid.uuid4().hex}"
    bucket = f"b{uuid.uuid4().hex[:12]}"
    url = f"s3://backupuser:{secret}@{moto_endpoint}/{bucket}/county/daily?secure=false"
    call_command("backup", "--to", url)
    run = BackupRun.objects.get()
    assert run.status == RunStatus.OK
    assert run.target == f"s3://{moto_endpoint}/{bucket}/county/daily"  # no credentials

    target = get_target(url)
    keys = [info.key for info in target.list("")]
    assert any(key.startswith("objects/") for key in keys)
    assert all(info.key.startswith(("objects/", "backups/", "locks/")) for info in target.list(""))
    blob = b"".join(target.get_bytes(key) for key in keys)
    for value in (secret, settings.SECRET_KEY, settings.INTEGRITY_LEDGER_KEY, "backupuser:"):
        assert value.encode() not in blob


def test_encrypted_backup_hides_the_bytes_and_records_the_salt(platform, tmp_path, settings):
    passphrase = f"pass-{uuid.uuid4().hex}"
    settings.BACKUP_ENCRYPTION_KEY = passphrase
    target_dir = tmp_path / "backups"
    call_command("backup", "--to", str(target_dir))
    run = BackupRun.objects.get()
    assert run.encrypted

    files = target_files(target_dir)
    header = json.loads(files[f"backups/{run.name}/header.json"])
    assert header["encrypted"] and len(bytes.fromhex(header["kdf"]["salt"])) == 16
    blob = b"".join(files.values())
    assert b"alpha alpha" not in blob and passphrase.encode() not in blob
    assert f"backups/{run.name}/manifest.json" not in files  # only the .enc one
    assert all(name.endswith(".enc") for name in files if name.startswith("objects/")), (
        "every object is stored encrypted"
    )

    call_command("verify_backup", str(target_dir))  # reads back with the passphrase

    # A new passphrase cannot join this target: objects are shared between backups.
    settings.BACKUP_ENCRYPTION_KEY = "another passphrase"
    with pytest.raises(CommandError, match="passphrase does not open"):
        call_command("backup", "--to", str(target_dir))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ftp://host/backups", "Unknown backup target scheme"),
        ("s3://key:secret@host-only", "needs a host and a bucket"),
        ("", "No backup target"),
    ],
)
def test_bad_targets_are_refused(platform, spec, message):
    with pytest.raises(CommandError, match=message):
        call_command("backup", "--to", spec)
    run = BackupRun.objects.get()
    assert run.status == RunStatus.FAILED and message in run.error
    assert "secret" not in run.target


def test_the_platform_store_is_refused_as_target(platform, tmp_path, settings):
    for inside in (
        tmp_path / "objects",
        tmp_path / "objects" / "sub",
        Path(settings.VAR_DIR) / "objects",
    ):
        with pytest.raises(CommandError, match="platform's own object store"):
            call_command("backup", "--to", str(inside))
    assert not (tmp_path / "objects" / "backups").exists()


def test_the_platform_bucket_is_refused_as_target(tmp_path, settings, moto_endpoint):
    settings.OBJECT_STORE_URL = f"s3://k:s@{moto_endpoint}/platform?secure=false"
    with pytest.raises(CommandError, match="platform's own bucket"):
        call_command("backup", "--to", f"s3://k:s@{moto_endpoint}/platform/backups?secure=false")


def test_unreachable_s3_target_fails_with_a_sentence(platform):
    port = free_port()  # nothing listens there
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("backup", "--to", f"s3://k:s@127.0.0.1:{port}/backups?secure=false")
    assert BackupRun.objects.get().status == RunStatus.FAILED


def test_a_running_backup_blocks_a_second_one(platform, tmp_path):
    target = get_target(str(tmp_path / "backups"))
    with target.lock(), pytest.raises(CommandError, match="Another backup"):
        call_command("backup", "--to", str(tmp_path / "backups"))
    call_command("backup", "--to", str(tmp_path / "backups"))  # free again
    assert BackupRun.objects.filter(status=RunStatus.OK).count() == 1


def test_s3_lease_blocks_a_second_backup(platform, moto_endpoint):
    url = f"s3://k:s@{moto_endpoint}/b{uuid.uuid4().hex[:12]}?secure=false"
    target = get_target(url)
    with target.lock(), pytest.raises(CommandError, match="Another backup"):
        call_command("backup", "--to", url)
    call_command("backup", "--to", url)
    assert not target.exists("locks/backup.json")  # released after the run


def test_an_object_deleted_during_the_backup_is_left_out(platform, tmp_path, monkeypatch):
    from edu_portal.operations.backup import engine

    real_stat = type(platform).stat

    def stat(self, key):
        if key == "uploads/b.bin":
            self.delete(key)  # deleted between the listing and the copy
        return real_stat(self, key)

    monkeypatch.setattr(type(platform), "stat", stat)
    engine.run_backup(str(tmp_path / "backups"))
    keys = {e["key"] for e in latest_manifest(tmp_path / "backups")["objects"]}
    assert keys == {"uploads/a.txt", "hls/1/copy-of-a.txt"}


def test_an_object_changed_during_the_copy_is_copied_again(platform, tmp_path, monkeypatch):
    from edu_portal.operations.backup import engine

    real_stat = type(platform).stat
    changed = []

    def stat(self, key):
        info = real_stat(self, key)
        if key == "uploads/b.bin" and not changed:
            changed.append(key)
            self.put_bytes(key, b"rewritten")  # a writer replaces it after the stat
        return info

    monkeypatch.setattr(type(platform), "stat", stat)
    engine.run_backup(str(tmp_path / "backups"))
    entries = {e["key"]: e for e in latest_manifest(tmp_path / "backups")["objects"]}
    assert entries["uploads/b.bin"]["sha256"] == hashlib.sha256(b"rewritten").hexdigest()
    call_command("verify_backup", str(tmp_path / "backups"))


def test_retention_keeps_daily_weekly_monthly():
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 1, 1, 2, 30, tzinfo=UTC)
    names = [
        (start + timedelta(days=day, hours=hour)).strftime("%Y%m%dT%H%M%S.%fZ")
        for day in range(120)
        for hour in (0, 6)
    ]
    keep = retention.to_keep(names, daily=7, weekly=4, monthly=3, tz=tz, always=names[0])
    newest_days = {retention.backup_time(n).astimezone(tz).date() for n in names}
    assert names[0] in keep  # "always" (the one just made)
    kept_dates = sorted(retention.backup_time(n).astimezone(tz).date() for n in keep)
    # One per day for the 7 newest days, and nothing twice for the same day.
    assert len(kept_dates) == len(set(kept_dates))
    assert set(sorted(newest_days)[-7:]) <= set(kept_dates)
    # Weekly and monthly reach further back than the dailies: 7 + up to 4 + 3 - overlaps.
    assert 9 <= len(keep) <= 1 + 7 + 4 + 3
    assert min(kept_dates) <= sorted(newest_days)[-60]


def test_prune_removes_old_backups_and_their_unreferenced_objects(platform, tmp_path, settings):
    settings.BACKUP_KEEP_DAILY = 1
    settings.BACKUP_KEEP_WEEKLY = 0
    settings.BACKUP_KEEP_MONTHLY = 0
    target_dir = tmp_path / "backups"
    call_command("backup", "--to", str(target_dir))
    old_name = BackupRun.objects.get().name
    # Make the first backup look three days old, and give it an object only it holds.
    target = get_target(str(target_dir))
    old = retention.backup_time(old_name) - timedelta(days=3)
    old_name_new = old.strftime("%Y%m%dT%H%M%S.%fZ")
    (target_dir / "backups" / old_name).rename(target_dir / "backups" / old_name_new)
    platform.delete("uploads/b.bin")
    b_sha = hashlib.sha256(bytes(range(256)) * 5000).hexdigest()
    assert target.exists(manifests.object_key(b_sha, False))
    # ...and a crashed, incomplete backup from two days ago.
    stale = (old + timedelta(days=1)).strftime("%Y%m%dT%H%M%S.%fZ")
    crashed = target_dir / "backups" / stale
    crashed.mkdir()
    (crashed / "header.json").write_text("{}")
    two_days_ago = (datetime.now(tz=UTC) - timedelta(days=2)).timestamp()
    import os

    os.utime(crashed / "header.json", (two_days_ago, two_days_ago))

    call_command("backup", "--to", str(target_dir))
    run = BackupRun.objects.order_by("-id").first()
    assert run.pruned == 1
    complete, incomplete = manifests.list_backups(target)
    assert complete == [run.name] and not incomplete
    assert not target.exists(manifests.object_key(b_sha, False))
    call_command("verify_backup", str(target_dir))


def test_beat_runs_the_backup_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["operations-backup"]
    assert entry["task"] == "operations.backup"
    assert entry["options"]["queue"] == "default"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
