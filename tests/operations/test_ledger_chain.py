"""The ledger's own integrity: rewritten, deleted and reordered rows are detected by the
MAC chain; objects are recorded when the platform stores them, not by a scan; the daily
task alerts once per set of findings; concurrent appenders do not fork the chain."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection


def verify(capsys) -> tuple[int, str]:
    try:
        call_command("verify_integrity")
    except CommandError as error:
        return error.returncode, capsys.readouterr().out + str(error)
    return 0, capsys.readouterr().out


@pytest.fixture
def objects(db, ledger_on, django_capture_on_commit_callbacks):
    """Three objects stored by the platform (recorded as they are stored), after the
    baseline of the page tree the migrations made."""
    call_command("verify_integrity", "--baseline")
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(3):
            ledger_on.put_bytes(f"hls/7/9/seg{index}.ts", f"segment {index}".encode())
    return ledger_on


def test_objects_are_recorded_when_stored_and_verify(objects, capsys):
    from edu_portal.operations.models import LedgerEntry

    assert list(LedgerEntry.objects.filter(kind="object").values_list("ref", "reason")) == [
        ("hls/7/9/seg0.ts", "stored"),
        ("hls/7/9/seg1.ts", "stored"),
        ("hls/7/9/seg2.ts", "stored"),
    ]
    assert verify(capsys)[0] == 0


def test_other_stores_and_unledgered_prefixes_are_not_recorded(
    db, ledger_on, tmp_path, django_capture_on_commit_callbacks
):
    from edu_portal.operations.models import LedgerEntry
    from edu_portal.storage import FilesystemStorage

    with django_capture_on_commit_callbacks(execute=True):
        FilesystemStorage(tmp_path / "backup-target").put_bytes("hls/1/1/a.ts", b"x")
        ledger_on.put_bytes("uploads/5/source", b"in transit")
    assert not LedgerEntry.objects.exists()


def test_rewritten_ledger_row_is_detected(objects, capsys):
    from edu_portal.operations.models import LedgerEntry

    # Someone with database access makes the ledger agree with bytes of their own.
    objects.root.joinpath("hls/7/9/seg1.ts").write_bytes(b"evil")
    import hashlib

    seq = LedgerEntry.objects.get(ref="hls/7/9/seg1.ts").seq
    LedgerEntry.objects.filter(seq=seq).update(digest=hashlib.sha256(b"evil").hexdigest(), size=4)
    status, out = verify(capsys)
    assert status == 1
    assert f"ledger #{seq} " in out and "BROKEN" in out
    assert "changed    object hls/7/9/seg1.ts" in out


def test_deleted_ledger_row_is_detected(objects, capsys):
    from edu_portal.operations.models import LedgerEntry

    seq = LedgerEntry.objects.get(ref="hls/7/9/seg1.ts").seq
    LedgerEntry.objects.filter(seq=seq).delete()
    status, out = verify(capsys)
    assert status == 1
    assert f"ledger #{seq} " in out and "missing from the ledger" in out
    # Without its entry the object is also not covered any more.
    assert "unexpected object hls/7/9/seg1.ts" in out


def test_deleted_last_row_is_detected_by_the_head(objects, capsys):
    from edu_portal.operations.models import LedgerEntry

    LedgerEntry.objects.get(ref="hls/7/9/seg2.ts").delete()
    status, out = verify(capsys)
    assert status == 1 and "ledger head" in out


def test_reordered_rows_are_detected(objects, capsys):
    from edu_portal.operations.models import LedgerEntry

    first = LedgerEntry.objects.get(ref="hls/7/9/seg0.ts").seq
    LedgerEntry.objects.filter(seq=first).update(seq=-1)
    LedgerEntry.objects.filter(seq=first + 1).update(seq=first)
    LedgerEntry.objects.filter(seq=-1).update(seq=first + 1)
    status, out = verify(capsys)
    assert status == 1 and "BROKEN" in out


def test_extra_object_under_hls_is_unexpected(objects, capsys):
    target = objects.root / "hls/7/9/extra.ts"
    target.write_bytes(b"planted")
    status, out = verify(capsys)
    assert status == 1
    assert "unexpected object hls/7/9/extra.ts" in out


def test_removed_objects_are_not_missing(objects, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        objects.delete("hls/7/9/seg0.ts")
        objects.delete_prefix("hls/7/")
    assert verify(capsys)[0] == 0


def test_replaced_object_is_not_a_finding(objects, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        objects.put_bytes("hls/7/9/seg0.ts", b"re-transcoded")
    assert verify(capsys)[0] == 0


def test_objects_stored_while_the_check_runs_are_not_findings(
    objects, capsys, monkeypatch, django_capture_on_commit_callbacks
):
    from edu_portal.operations.ledger import verify as verification

    snapshot = verification.current_entries

    def entries_then_platform_writes(kind):
        entries = snapshot(kind)
        if kind == "object":  # the platform stores and replaces after the check read them
            with django_capture_on_commit_callbacks(execute=True):
                objects.put_bytes("hls/7/9/late.ts", b"late segment")
                objects.put_bytes("hls/7/9/seg0.ts", b"re-transcoded meanwhile")
                objects.delete("hls/7/9/seg2.ts")
        return entries

    monkeypatch.setattr(verification, "current_entries", entries_then_platform_writes)
    status, out = verify(capsys)
    assert status == 0, out


def test_rolled_back_store_records_nothing(objects, django_capture_on_commit_callbacks):
    from django.db import transaction

    from edu_portal.operations.models import LedgerEntry

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        objects.put_bytes("hls/7/9/seg9.ts", b"never committed")
        raise RuntimeError
    assert not LedgerEntry.objects.filter(ref="hls/7/9/seg9.ts").exists()


def test_daily_task_alerts_once_per_set_of_findings(objects, admin):
    from edu_portal.notifications.models import Notification
    from edu_portal.operations.integrity_tasks import verify_integrity
    from edu_portal.operations.models import IntegrityRun

    verify_integrity.apply()
    assert not Notification.objects.exists()
    objects.root.joinpath("hls/7/9/seg0.ts").write_bytes(b"evil")
    verify_integrity.apply()
    verify_integrity.apply()
    assert Notification.objects.filter(recipient=admin).count() == 1
    run = IntegrityRun.objects.first()
    assert (run.trigger, run.status, run.changed) == ("scheduled", "failed", 1)
    # A new finding is a new set: told again.
    objects.root.joinpath("hls/7/9/seg1.ts").write_bytes(b"evil too")
    verify_integrity.apply()
    assert Notification.objects.filter(recipient=admin).count() == 2


def test_beat_schedule_names_the_task():
    from django.conf import settings

    from edu_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["operations-verify-integrity"]
    assert entry["task"] == "operations.verify_integrity"
    assert entry["options"]["queue"] == "default"
    app.loader.import_default_modules()
    assert "operations.verify_integrity" in app.tasks


@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_keep_one_chain(ledger_on, capsys):
    """Eight threads (each its own database connection) append at once."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database cannot be written from other threads")
    from django.db import connections

    from edu_portal.operations.ledger import chain

    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for index in range(10):
                record = chain.Record("object", f"hls/1/{worker}/{index}.ts", "0" * 64, 1)
                chain.append([record], "stored")
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert list(chain.check_chain()) == []
    from edu_portal.operations.models import LedgerEntry

    assert LedgerEntry.objects.count() == 80


def test_bytes_put_on_the_s3_server_behind_the_platforms_back(
    db, ledger_on, settings, moto_endpoint, capsys, django_capture_on_commit_callbacks
):
    """The same on an S3 store: another client (not the platform's store) overwrites an
    HLS segment and plants an object; both are named."""
    import uuid

    from edu_portal.storage import from_url, get_storage

    url = f"s3://testing:testing@{moto_endpoint}/ledger-{uuid.uuid4().hex[:12]}?secure=false"
    settings.OBJECT_STORE_URL = url
    store = get_storage()
    call_command("verify_integrity", "--baseline")
    with django_capture_on_commit_callbacks(execute=True):
        store.put_bytes("hls/3/4/seg0.ts", b"segment 0")
        store.put_bytes("hls/3/4/seg1.ts", b"segment 1")
    assert verify(capsys)[0] == 0

    intruder = from_url(url)  # a client of the S3 server, not the platform's store
    intruder.put_bytes("hls/3/4/seg1.ts", b"forged segment")
    intruder.put_bytes("hls/3/4/extra.ts", b"planted")
    status, out = verify(capsys)
    assert status == 1
    assert "changed    object hls/3/4/seg1.ts" in out
    assert "unexpected object hls/3/4/extra.ts" in out
    assert "hls/3/4/seg0.ts" not in out
