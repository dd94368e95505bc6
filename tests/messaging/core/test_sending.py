"""Freezing recipients and creating deliveries: one recipient per guardian naming each
child, nobody flagged or locked, idempotent when the task runs twice or dies half-way."""

from __future__ import annotations

import pytest
from django.db.models import Count

from edu_portal.messaging import actions, sending
from edu_portal.messaging.models import Delivery, Notice, Recipient, RecipientChild
from edu_portal.notifications.models import Notification


@pytest.fixture(autouse=True)
def _no_dispatch(monkeypatch):
    """E-mail and SMS stay waiting: these tests look at the rows, not the channels."""
    monkeypatch.setattr(sending, "dispatch", lambda seconds=None: 0)


def _create(world, notice_data, **overrides):
    data = notice_data(**overrides)
    return actions.create_notice(world.admin, **data)


def _rows(notice):
    return {
        "recipients": Recipient.objects.filter(notice=notice).count(),
        "children": RecipientChild.objects.filter(recipient__notice=notice).count(),
        "deliveries": Delivery.objects.filter(notice=notice).count(),
        "notifications": Notification.objects.filter(link=f"/notices/inbox/{notice.pk}/").count(),
    }


def _assert_once(notice):
    duplicates = (
        Delivery.objects.filter(notice=notice)
        .values("recipient__user", "channel", "purpose", "round")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    per_person = (
        Notification.objects.filter(link=f"/notices/inbox/{notice.pk}/")
        .values("recipient")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not per_person.exists()


def test_guardian_of_two_children_gets_one_delivery_per_channel_naming_both(
    world, notice_data, eager_tasks, django_capture_on_commit_callbacks
):
    notice = _create(world, notice_data)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_now(world.admin, notice) is True
    notice.refresh_from_db()
    assert notice.state == Notice.State.SENT and notice.sent_at is not None

    mum = Recipient.objects.get(notice=notice, user=world.mum)
    children = {(c.student_name, c.class_unit_id) for c in mum.children.all()}
    assert children == {("张小明", world.class1.pk), ("张小红", world.class2.pk)}
    mum_deliveries = {d.channel: d for d in mum.deliveries.all()}
    assert set(mum_deliveries) == {"inbox", "email", "sms"}
    assert mum_deliveries["inbox"].state == Delivery.State.DELIVERED
    assert mum_deliveries["email"].address == "wang@example.cn"
    assert mum_deliveries["sms"].address == "13800000001"
    assert mum_deliveries["sms"].state == Delivery.State.PENDING

    # 张伟 turned SMS off and never chose e-mail: the inbox only.
    dad = Recipient.objects.get(notice=notice, user=world.dad)
    assert [d.channel for d in dad.deliveries.all()] == ["inbox"]
    assert [c.student_name for c in dad.children.all()] == ["张小明"]

    # Flagged (court order), locked, or of another school: nothing at all.
    users = set(Recipient.objects.filter(notice=notice).values_list("user_id", flat=True))
    assert users == {world.mum.pk, world.dad.pk, world.hua_mum.pk}

    # The bell: one notification each, linking to the inbox page, not e-mailed by the
    # centre (the notice has its own e-mail delivery).
    note = Notification.objects.get(recipient=world.mum)
    assert note.link == f"/notices/inbox/{notice.pk}/"
    assert note.category == "notice" and note.subject == "春游通知"
    _assert_once(notice)


def test_flagged_guardian_gets_nothing_even_when_the_child_is_picked(world, notice_data):
    notice = actions.create_notice(
        world.admin, **notice_data(audience={"students": [world.gang.pk]})
    )
    assert sending.start(notice.pk)
    sending.freeze(notice.pk)
    assert not Recipient.objects.filter(notice=notice).exists()
    assert not Delivery.objects.filter(notice=notice).exists()
    assert Notice.objects.get(pk=notice.pk).state == Notice.State.SENT


def test_send_task_run_twice_adds_nothing(world, notice_data):
    notice = _create(world, notice_data)
    assert sending.start(notice.pk)
    assert sending.freeze(notice.pk) == 3
    first = _rows(notice)
    # A redelivered task: the notice is sent, the task does nothing.
    assert sending.freeze(notice.pk) == 0
    # Even run while the notice is still "sending" (the state flip lost): nothing new.
    Notice.objects.filter(pk=notice.pk).update(state=Notice.State.SENDING)
    assert sending.freeze(notice.pk) == 0
    assert _rows(notice) == first
    assert first == {"recipients": 3, "children": 4, "deliveries": 3 + 2 + 1, "notifications": 3}
    _assert_once(notice)


def test_worker_killed_mid_send_resumes_without_duplicates(
    world, notice_data, settings, monkeypatch
):
    settings.NOTICE_BATCH_SIZE = 1
    notice = _create(world, notice_data)
    assert sending.start(notice.pk)
    real = sending.notify_users
    calls = []

    def dies_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "notify_users", dies_on_second_batch)
    with pytest.raises(SystemExit):
        sending.freeze(notice.pk)
    # The first batch (王芳: two children, three channels) committed; the second left
    # nothing behind.
    assert _rows(notice) == {"recipients": 1, "children": 2, "deliveries": 3, "notifications": 1}
    assert Notice.objects.get(pk=notice.pk).state == Notice.State.SENDING

    monkeypatch.setattr(sending, "notify_users", real)
    assert sending.freeze(notice.pk) == 2
    assert _rows(notice) == {"recipients": 3, "children": 4, "deliveries": 6, "notifications": 3}
    assert Notice.objects.get(pk=notice.pk).state == Notice.State.SENT
    _assert_once(notice)


def test_staff_audience_reaches_the_staff_themselves(world, notice_data):
    notice = actions.create_notice(
        world.admin, **notice_data(audience={"staff": ["cn"]}, channels=["inbox"])
    )
    sending.start(notice.pk)
    sending.freeze(notice.pk)
    users = set(Recipient.objects.filter(notice=notice).values_list("user_id", flat=True))
    assert users == {world.teacher.pk, world.admin.pk}
    assert not RecipientChild.objects.filter(recipient__notice=notice).exists()


def test_quiet_hours_hold_email_and_sms_unless_urgent(world, notice_data, settings):
    settings.NOTICE_QUIET_START = "00:00"
    settings.NOTICE_QUIET_END = "23:59"
    settings.TIME_ZONE = "Asia/Shanghai"
    notice = _create(world, notice_data)
    sending.start(notice.pk)
    sending.freeze(notice.pk)
    sms = Delivery.objects.get(notice=notice, recipient__user=world.mum, channel="sms")
    inbox = Delivery.objects.get(notice=notice, recipient__user=world.mum, channel="inbox")
    assert sms.state == Delivery.State.HELD and sms.not_before is not None
    assert inbox.state == Delivery.State.DELIVERED

    urgent = _create(world, notice_data, urgent=True)
    sending.start(urgent.pk)
    sending.freeze(urgent.pk)
    sms = Delivery.objects.get(notice=urgent, recipient__user=world.mum, channel="sms")
    assert sms.state == Delivery.State.PENDING


def test_scheduled_notice_is_started_by_beat_when_due(world, notice_data, eager_tasks):
    import datetime

    from django.utils import timezone

    from edu_portal.messaging import tasks

    later = timezone.now() + datetime.timedelta(hours=2)
    notice = _create(world, notice_data, send_at=later)
    assert notice.state == Notice.State.SCHEDULED
    assert tasks.send_due() == 0
    Notice.objects.filter(pk=notice.pk).update(send_at=timezone.now())
    assert tasks.send_due.delay().get() == 1
    notice.refresh_from_db()
    assert notice.state == Notice.State.SENT
    assert Recipient.objects.filter(notice=notice).count() == 3


def test_scheduled_notice_of_a_sender_who_lost_the_class_returns_to_draft(world, notice_data):
    import datetime

    from django.utils import timezone

    from edu_portal.accounts import actions as account_actions
    from edu_portal.accounts.actions import SYSTEM
    from edu_portal.accounts.roles import Role

    later = timezone.now() + datetime.timedelta(hours=2)
    notice = actions.create_notice(
        world.teacher, **notice_data(audience={"classes": ["cn-g1c1"]}, send_at=later)
    )
    account_actions.revoke_role(SYSTEM, world.teacher, Role.TEACHER, world.class1)
    Notice.objects.filter(pk=notice.pk).update(send_at=timezone.now())
    assert sending.start_due() == []
    notice.refresh_from_db()
    assert notice.state == Notice.State.DRAFT
    assert Notification.objects.filter(recipient=world.teacher, target_id=notice.pk).exists()
