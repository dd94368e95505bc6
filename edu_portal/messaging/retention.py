"""Retention of who received a notice and what they answered (issue 13, personal data).

``NOTICE_RETENTION_DAYS`` after a notice was sent, its recipients (with the children
named, receipts, replies) and every message sent for it (deliveries of the notice,
reminders and withdrawal, and the files the file SMS backend wrote for them) are deleted.
Before that, the counts go into ``Notice.totals``, in the shape of
``reports.report(notice, names=False)`` plus the answers per choice, so the sender's report
and the API still show numbers (``totals["purged_at"]`` says they come from there).

The receipts' audit entries stay (that a guardian read, confirmed or answered, and when),
with the answers blanked in them.

Kept: the notice itself (title, text, audience as chosen, sender) and its attachments,
which are what the school published, not data about the families; the bell notifications
of guardians, which are theirs (the notification centre has its own clean-up).

Idempotent: a purged notice has no recipients left and is skipped; each notice is one
transaction under a lock of its row, so two runs at once purge it once, and a run that
dies half-way leaves each notice either untouched or purged. SMS files are removed after
the commit, and any file in ``SMS_FILE_DIR`` older than the retention period is swept on
every run, so a crash between the two leaves nothing behind for long.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from edu_portal.accounts import audit
from edu_portal.messaging import reports
from edu_portal.messaging.channels.sms import file as sms_file
from edu_portal.messaging.models import Channel, Delivery, Notice, Recipient, RecipientChild

log = logging.getLogger(__name__)

# Notices purged per run; the next day's run (or a second call) continues.
BATCH = 200


def cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.NOTICE_RETENTION_DAYS)


def expired_notices(now=None):
    """Sent notices older than the retention period that still hold personal data."""
    return (
        Notice.objects.filter(sent_at__lt=cutoff(now), recipients__isnull=False)
        .distinct()
        .order_by("sent_at", "pk")
    )


def totals_of(notice: Notice) -> dict:
    """The counts kept after purging: the report without names, the answers per choice."""
    data = reports.report(notice, names=False)
    data.pop("id", None)
    recipients = Recipient.objects.filter(notice=notice)
    answers = dict(
        recipients.exclude(reply_choice="")
        .values_list("reply_choice")
        .annotate(n=Count("pk"))
        .order_by()
    )
    data["answers"] = {choice: answers.get(choice, 0) for choice in notice.reply_choices}
    # An answer no longer among the choices (edited before sending) is still counted.
    data["answers"].update({k: v for k, v in answers.items() if k not in data["answers"]})
    data["text_replies"] = recipients.exclude(reply_text="").count()
    data["reminded"] = recipients.filter(reminders__gt=0).count()
    return data


def purge_notice(notice_id: int, now=None) -> dict | None:
    """Purge one notice if it is due; the counts deleted, or None when there was nothing."""
    now = now or timezone.now()
    sms_ids: list[int] = []
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if (
            notice is None
            or notice.sent_at is None
            or notice.sent_at >= cutoff(now)
            or not Recipient.objects.filter(notice=notice).exists()
        ):
            return None
        totals = totals_of(notice)
        totals["purged_at"] = now.isoformat()
        totals["retention_days"] = settings.NOTICE_RETENTION_DAYS
        sms_ids = list(
            Delivery.objects.filter(notice=notice, channel=Channel.SMS).values_list("pk", flat=True)
        )
        _redact_answers(Recipient.objects.filter(notice=notice).values_list("pk", flat=True))
        deleted = {
            "deliveries": Delivery.objects.filter(notice=notice).delete()[0],
            "children": RecipientChild.objects.filter(recipient__notice=notice).delete()[0],
            "recipients": Recipient.objects.filter(notice=notice).delete()[0],
        }
        # A queryset update: totals are excluded from the audit log, the event below says it.
        Notice.objects.filter(pk=notice.pk).update(totals=totals)
        with audit.actor_context(None):
            audit.log_event(
                notice,
                {
                    "recipients": [str(totals["recipients"]), "0"],
                    "retention": ["", f"{settings.NOTICE_RETENTION_DAYS} days"],
                },
            )
        transaction.on_commit(lambda: _remove_sms_files(sms_ids))
    return deleted


# What a guardian answered, as the receipts' audit entries carry it (``receipts.reply``).
ANSWER_FIELDS = ("reply_choice", "reply_text")


def _redact_answers(recipient_ids) -> int:
    """Blank the answers in the audit entries of these recipients: the entry that a guardian
    answered, and when, stays; what they wrote (a child's allergy, a phone number) is the
    reply the retention period deletes."""
    recipient_type = ContentType.objects.get_for_model(Recipient)
    ids = [str(pk) for pk in recipient_ids]
    redacted = 0
    for start in range(0, len(ids), 1000):
        entries = LogEntry.objects.filter(
            content_type=recipient_type, object_pk__in=ids[start : start + 1000]
        ).only("pk", "changes")
        changed = []
        for entry in entries:
            changes = entry.changes if isinstance(entry.changes, dict) else {}
            if not any(field in changes for field in ANSWER_FIELDS):
                continue
            for field in ANSWER_FIELDS:
                if field in changes:
                    changes[field] = ["", ""]
            entry.changes = changes
            changed.append(entry)
        # A queryset write: LogEntry's pre_save hook would stamp the purge's context on it.
        LogEntry.objects.bulk_update(changed, ["changes"])
        redacted += len(changed)
    return redacted


def _remove_sms_files(delivery_ids) -> int:
    removed = 0
    for delivery_id in delivery_ids:
        try:
            sms_file.path_of(delivery_id).unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("cannot remove SMS file of delivery %s: %s", delivery_id, exc)
    return removed


def sweep_sms_files(now=None) -> int:
    """Remove SMS files older than the retention period (their notices are past it too:
    a file is written after its notice was sent)."""
    folder = settings.SMS_FILE_DIR
    if not folder.is_dir():
        return 0
    limit = cutoff(now).timestamp()
    removed = 0
    for path in folder.glob("*.txt"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("cannot remove %s: %s", path, exc)
    return removed


def purge_expired(now=None, limit: int = BATCH, seconds: float | None = None) -> int:
    """Purge up to ``limit`` expired notices (for at most ``seconds``); how many were."""
    started = time.monotonic()
    purged = 0
    for notice_id in expired_notices(now).values_list("pk", flat=True)[:limit]:
        if purge_notice(notice_id, now) is not None:
            purged += 1
        if seconds is not None and time.monotonic() - started > seconds:
            break
    sweep_sms_files(now)
    return purged
