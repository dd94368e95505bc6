"""Retention: deliveries and replies of notices older than NOTICE_RETENTION_DAYS are
deleted (with their SMS files), their counts kept in Notice.totals; idempotent."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from edu_portal.messaging import actions, receipts, reports, retention, sending
from edu_portal.messaging.models import (
    Delivery,
    Notice,
    NoticeAttachment,
    Recipient,
    RecipientChild,
)
from edu_portal.messaging.tasks import purge_expired

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_dir(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    settings.NOTICE_RETENTION_DAYS = 30
    # The repeat guard lives in the shared cache (a directory without Redis): the same text
    # sent by an earlier run of these tests would be held.
    settings.SMS_REPEAT_SECONDS = 0
    return settings.SMS_FILE_DIR


def send(world, notice_data, **overrides) -> Notice:
    data = notice_data(
        ack="reply", reply_choices=["同意", "不同意"], channels=["inbox", "sms"], **overrides
    )
    notice = actions.create_notice(world.admin, **data)
    assert sending.start(notice.pk)
    sending.freeze(notice.pk)
    sending.dispatch(seconds=10)
    notice.refresh_from_db()
    assert notice.state == Notice.State.SENT
    return notice


def age(notice: Notice, days: int) -> None:
    Notice.objects.filter(pk=notice.pk).update(sent_at=timezone.now() - timedelta(days=days))


def rows(notice: Notice) -> tuple[int, int, int]:
    return (
        Recipient.objects.filter(notice=notice).count(),
        RecipientChild.objects.filter(recipient__notice=notice).count(),
        Delivery.objects.filter(notice=notice).count(),
    )


def test_purge_keeps_the_counts(world, notice_data, _sms_dir, django_capture_on_commit_callbacks):
    old = send(world, notice_data, title="春游回执")
    recent = send(world, notice_data, title="运动会回执")
    mum = Recipient.objects.get(notice=old, user=world.mum)
    receipts.reply(mum, "同意", "")
    receipts.reply(Recipient.objects.get(notice=old, user=world.hua_mum), "不同意", "")
    receipts.mark_read(Recipient.objects.get(notice=old, user=world.dad))
    NoticeAttachment.objects.create(
        notice=old,
        key="notices/x.pdf",
        name="回执.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
    )
    old_sms = [
        _sms_dir / f"{pk}.txt"
        for pk in Delivery.objects.filter(notice=old, channel="sms").values_list("pk", flat=True)
    ]
    recent_sms = list(
        Delivery.objects.filter(notice=recent, channel="sms").values_list("pk", flat=True)
    )
    assert old_sms and all(path.exists() for path in old_sms)
    before = reports.report(old, names=False)
    assert before["recipients"] == 3 and before["replied"] == 2 and before["read"] == 3
    recent_rows = rows(recent)
    age(old, 31)

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge_expired() == 1
    old.refresh_from_db()
    assert rows(old) == (0, 0, 0)
    assert not any(path.exists() for path in old_sms)
    # The other notice, within the period, is untouched (rows and SMS files).
    assert rows(recent) == recent_rows
    assert all((_sms_dir / f"{pk}.txt").exists() for pk in recent_sms)

    totals = old.totals
    for key in ("recipients", "read", "confirmed", "replied", "deliveries", "classes"):
        assert totals[key] == before[key], key
    assert totals["answers"] == {"同意": 1, "不同意": 1}
    assert totals["deliveries"]["sms"]
    assert {c["code"] for c in totals["classes"]} == {"cn-g1c1", "cn-g1c2"}
    assert "purged_at" in totals and totals["retention_days"] == 30
    # The notice and its attachment stay; no names or numbers in the totals.
    assert old.title == "春游回执" and old.attachments.count() == 1
    assert "13800000001" not in str(totals) and "王芳" not in str(totals)
    assert LogEntry.objects.filter(
        object_pk=str(old.pk), content_type__model="notice", changes__has_key="retention"
    ).exists()

    # The report (page and API) now reads the kept counts instead of zeros.
    after = reports.report(old)
    for key in ("recipients", "read", "confirmed", "replied", "deliveries"):
        assert after[key] == before[key], key
    assert all(row["outstanding"] == [] for row in after["classes"])

    # Again: nothing to do, the totals stay as they were.
    assert retention.purge_expired() == 0
    old.refresh_from_db()
    assert old.totals == totals


def test_notices_inside_the_period_and_drafts_stay(world, notice_data):
    notice = send(world, notice_data)
    age(notice, 29)
    draft = actions.create_notice(world.admin, **notice_data())
    assert retention.purge_expired() == 0
    assert rows(notice)[0] == 3
    assert Notice.objects.filter(pk=draft.pk).exists()
    assert retention.purge_notice(notice.pk) is None


def test_beat_task_and_old_sms_files_swept(
    world, notice_data, eager_tasks, _sms_dir, django_capture_on_commit_callbacks
):
    notice = send(world, notice_data)
    age(notice, 40)
    stray = _sms_dir / "999999.txt"  # left by a run that died after its commit
    stray.write_text("To: 13800000009\n")
    old = time.time() - 40 * 86400
    os.utime(stray, (old, old))
    fresh = _sms_dir / "999998.txt"
    fresh.write_text("To: 13800000008\n")
    sms = [_sms_dir / f"{d.pk}.txt" for d in Delivery.objects.filter(notice=notice, channel="sms")]
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired.delay().get() == 1
    assert rows(notice) == (0, 0, 0)
    assert sms and not any(path.exists() for path in sms)
    assert not stray.exists() and fresh.exists()
    assert purge_expired.delay().get() == 0


def test_purge_removes_the_replies_from_the_audit_log(world, notice_data):
    """The audit log's entries of a guardian's answer carry its text: past the retention
    period the answer is gone there too (the entry that it happened stays)."""
    notice = send(world, notice_data, reply_text=True)
    mum = Recipient.objects.get(notice=notice, user=world.mum)
    receipts.reply(mum, "不同意", "孩子对花生过敏，电话13912345678")
    entries = LogEntry.objects.filter(content_type__model="recipient", object_pk=str(mum.pk))
    assert "花生过敏" in str(list(entries.values_list("changes", flat=True)))
    age(notice, 31)

    assert retention.purge_expired() == 1
    kept = list(entries.values_list("changes", "changes_text", "object_repr"))
    assert kept, "the entry that the guardian answered stays"
    assert "花生过敏" not in str(kept) and "不同意" not in str(kept)
    assert "13912345678" not in str(kept)
