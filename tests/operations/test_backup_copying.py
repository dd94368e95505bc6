"""How ``manage.py backup`` copies objects (issue 16's speed work): the target is synced
once before the completion marker instead of each file fsynced, a short object file left
by a power cut is copied again, a failed copy leaves no file behind, and many objects
copied in parallel all land, each counted once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edu_portal.operations.backup import manifest as manifests
from edu_portal.operations.backup import streams
from edu_portal.operations.backup.engine import get_target
from edu_portal.operations.models import BackupRun, RunStatus
from edu_portal.storage import get_storage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.OBJECT_STORE_RETRIES = 0
    settings.BACKUP_ENCRYPTION_KEY = ""
    return get_storage()


def stored_path(root: Path, data: bytes) -> Path:
    return root / manifests.object_key(hashlib.sha256(data).hexdigest(), False)


def test_many_objects_copied_in_parallel_all_land_once(store, tmp_path):
    bodies = {f"uploads/{i:03d}.bin": os.urandom(1000 + i) for i in range(60)}
    for key, body in bodies.items():
        store.put_bytes(key, body)
    store.put_bytes("uploads/same-as-000.bin", bodies["uploads/000.bin"])
    target_dir = tmp_path / "backups"

    call_command("backup", "--to", str(target_dir))

    run = BackupRun.objects.get()
    assert run.status == RunStatus.OK, run.error
    assert (run.objects_total, run.objects_copied) == (61, 60)
    target = get_target(str(target_dir))
    manifest = manifests.load(target, manifests.choose(target, None), "").manifest
    # The manifest lists the objects in the store's order, whatever thread copied them.
    assert [entry["key"] for entry in manifest["objects"]] == sorted(
        [*bodies, "uploads/same-as-000.bin"]
    )
    for body in bodies.values():
        assert stored_path(target_dir, body).read_bytes() == body
    # No temporary files, and no metadata sidecars (the manifest holds the checksums).
    assert not [p for p in (target_dir / "objects").rglob(".*")]


def test_the_target_is_synced_once_before_the_marker(store, tmp_path, monkeypatch):
    for i in range(5):
        store.put_bytes(f"uploads/{i}.bin", os.urandom(5000))
    target_dir = tmp_path / "backups"
    events: list[str] = []
    real_fsync = os.fsync

    def fsync(fd):
        events.append("fsync")
        return real_fsync(fd)

    from edu_portal.operations.backup import target as target_module

    real_sync = target_module.Target.sync

    def sync(self):
        marker_written = any(target_dir.glob("backups/*/complete.json"))
        events.append("sync after marker" if marker_written else "sync")
        real_sync(self)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(target_module.Target, "sync", sync)

    call_command("backup", "--to", str(target_dir))

    assert BackupRun.objects.get().status == RunStatus.OK
    assert events.count("sync") == 1 and "sync after marker" not in events
    # The header, the manifest and the marker (small files put through the store) are
    # fsynced; the five objects and the dump are not, one by one.
    assert events.count("fsync") <= 3


def test_a_short_object_file_in_the_target_is_copied_again(store, tmp_path):
    body = os.urandom(300_000)
    store.put_bytes("uploads/video.bin", body)
    target_dir = tmp_path / "backups"
    call_command("backup", "--to", str(target_dir))
    path = stored_path(target_dir, body)
    # What a power cut between the rename and the write-back can leave: the name, no data.
    path.write_bytes(b"")

    call_command("backup", "--to", str(target_dir))

    second = BackupRun.objects.order_by("-id").first()
    assert second.status == RunStatus.OK and second.objects_copied == 1
    assert path.read_bytes() == body
    call_command("verify_backup", str(target_dir))


def test_a_failed_copy_leaves_no_file_and_no_marker(store, tmp_path, monkeypatch):
    store.put_bytes("uploads/a.bin", os.urandom(4000))
    store.put_bytes("uploads/b.bin", os.urandom(4000))
    target_dir = tmp_path / "backups"

    def always_changed(chunks, sha256, size):
        yield from chunks
        raise streams.ContentChanged("altered for the test")

    monkeypatch.setattr("edu_portal.operations.backup.engine.verified", always_changed)
    with pytest.raises(CommandError, match="kept changing"):
        call_command("backup", "--to", str(target_dir))

    assert BackupRun.objects.get().status == RunStatus.FAILED
    # Not even a temporary file: the copy that failed its check was removed.
    assert not [p for p in (target_dir / "objects").rglob("*") if p.is_file()]
    assert not list(target_dir.glob("backups/*/complete.json"))
