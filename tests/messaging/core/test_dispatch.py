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
