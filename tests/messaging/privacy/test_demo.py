"""The notice demo: two classes with pupils and guardians (one guardian with a child in
each), a permission slip sent to both with some answers; running it again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from edu_portal.accounts.models import GuardianLink, User
from edu_portal.messaging import demo, reports
from edu_portal.messaging.models import Delivery, Notice, Recipient, RecipientChild

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_settings(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    settings.SMS_REPEAT_SECONDS = 0
    settings.NOTICE_QUIET_START = settings.NOTICE_QUIET_END = "00:00"
    call_command("seed_demo", stdout=io.StringIO())
    return settings


def snapshot():
    return (
        User.objects.count(),
        GuardianLink.objects.count(),
        Notice.objects.count(),
        sorted(
            Recipient.objects.values_list("user__username", "reply_choice", "replied_at", "read_at")
        ),
        Delivery.objects.count(),
        RecipientChild.objects.count(),
    )


def test_demo_notice(_demo_settings):
    result = demo.seed()
    notice = result["notice"]
    assert notice.state == Notice.State.SENT
    assert notice.sender.username == "teacher"
    report = reports.report(notice)
    assert report["recipients"] == 6  # 钱进, 孙丽娟, 周杰, 吴芳, 郑强, 赵敏
    assert report["replied"] == 3
    assert {c["name"] for c in report["classes"]} == {"一年级(1)班", "一年级(2)班"}
    answers = dict(
        Recipient.objects.filter(notice=notice)
        .exclude(reply_choice="")
        .values_list("user__username", "reply_choice")
    )
    assert answers == {"13900000001": "同意", "13900000002": "不同意", "13900000003": "同意"}
    # One guardian, two children in two classes: one recipient naming both.
    for username in ("13900000003", "guardian"):
        recipient = Recipient.objects.get(notice=notice, user__username=username)
        assert {child.class_unit.code for child in recipient.children.all()} == set(demo.CLASSES)
        assert recipient.deliveries.filter(channel="inbox").count() == 1
    # The demo guardian still has it to answer; SMS went through the file backend.
    assert Recipient.objects.get(notice=notice, user__username="guardian").replied_at is None
    assert list(_demo_settings.SMS_FILE_DIR.glob("*.txt"))
    assert User.objects.get(username="13900000002").email == "sunlijuan@example.com"

    before = snapshot()
    again = demo.seed()
    assert again["accounts"] == 0 and again["notice"] == notice
    assert snapshot() == before
