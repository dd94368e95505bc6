"""Handing e-mail and SMS to the channels: each due delivery claimed once, in state
"sending", and passed to ``channels.send``; nothing before its time, nothing of a withdrawn
notice."""

from __future__ import annotations

import datetime

from django.utils import timezone

from edu_portal.messaging import actions, channels, sending
from edu_portal.messaging.models import Delivery, Notice


def _sent_notice(world, notice_data):
    notice = actions.create_notice(world.admin, **notice_data())
    sending.start(notice.pk)
    sending.freeze(notice.pk)
    return notice


def test_each_due_delivery_is_claimed_once_and_handed_to_the_channel(
    world, notice_data, monkeypatch
):
    notice = _sent_notice(world, notice_data)
    waiting = Delivery.objects.filter(notice=notice).exclude(channel="inbox")
    assert waiting.count() == 3  # 王芳 e-mail and SMS, 李梅 SMS
    later = waiting.get(recipient__user=world.hua_mum)
    later.not_before = timezone.now() + datetime.timedelta(hours=1)
    later.save(update_fields=["not_before"])

    handed = []

    def fake_send(delivery):
        assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.SENDING
        handed.append(delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT)
        return "sent"

    monkeypatch.setattr(channels, "send", fake_send)
    assert sending.dispatch(seconds=5) == 2
    assert sorted(handed) == sorted(
        waiting.filter(recipient__user=world.mum).values_list("pk", flat=True)
    )
    assert set(Delivery.objects.filter(pk__in=handed).values_list("attempts", flat=True)) == {1}
    # Run again: nothing is due any more (the held one waits for its time).
    assert sending.dispatch(seconds=5) == 0
    assert sending.claim(10) == []
    Delivery.objects.filter(pk=later.pk).update(not_before=timezone.now())
    assert sending.claim(10) == [later.pk]
    assert sending.claim(10) == []


def test_messages_of_a_withdrawn_notice_are_not_claimed(world, notice_data):
    notice = _sent_notice(world, notice_data)
    Notice.objects.filter(pk=notice.pk).update(state=Notice.State.WITHDRAWN)
    assert sending.claim(10) == []


def test_a_worker_killed_mid_send_leaves_one_sms_per_number(
    world, notice_data, settings, tmp_path, monkeypatch
):
    """The real channels with the file backend. One worker dies after handing an SMS to the
    gateway (handed_at set, still "sending"), another before handing one over; after
    NOTICE_STUCK_MINUTES the dispatcher claims both again: the first is recorded as sent
    without a second message, the second is sent once."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    settings.NOTICE_QUIET_START = settings.NOTICE_QUIET_END = "00:00"  # no quiet hours
    settings.NOTICE_STUCK_MINUTES = 15
    notice = _sent_notice(world, notice_data)
    Delivery.objects.filter(notice=notice, channel="email").update(state=Delivery.State.SKIPPED)
    sms = list(Delivery.objects.filter(notice=notice, channel="sms").order_by("pk"))
    assert len(sms) == 2
    handed, dead = sms

    # First worker: claims both, hands the first to the gateway, and is killed before it
    # records that (the row is put back as the crash leaves it: "sending", handed_at set);
    # the second it never reaches.
    assert sorted(sending.claim(10)) == [handed.pk, dead.pk]
    channels.send(Delivery.objects.get(pk=handed.pk))
    Delivery.objects.filter(pk=handed.pk).update(state=Delivery.State.SENDING, sent_at=None)
    assert Delivery.objects.get(pk=handed.pk).handed_at is not None
    files = sorted(p.name for p in settings.SMS_FILE_DIR.iterdir())
    assert files == [f"{handed.pk}.txt"]

    # Too early: a live worker may still be sending them.
    assert sending.dispatch(seconds=5) == 0
    long_ago = timezone.now() - datetime.timedelta(minutes=16)
    Delivery.objects.filter(pk__in=[handed.pk, dead.pk]).update(claimed_at=long_ago)
    assert sending.dispatch(seconds=5) == 2
    assert sending.dispatch(seconds=5) == 0

    states = dict(Delivery.objects.filter(pk__in=[handed.pk, dead.pk]).values_list("pk", "state"))
    assert states == {handed.pk: Delivery.State.SENT, dead.pk: Delivery.State.SENT}
    files = sorted(p.name for p in settings.SMS_FILE_DIR.iterdir())
    assert files == sorted([f"{handed.pk}.txt", f"{dead.pk}.txt"])  # one SMS each
