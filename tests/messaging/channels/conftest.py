"""Shared pieces for the channel tests: a notice from 城南小学 to one guardian, deliveries
claimed as the dispatcher would (state SENDING, one attempt), a stand-in for the signed
link, and settings that keep each test to the one rule it checks."""

from __future__ import annotations

import datetime
import socket
import zoneinfo

import pytest

from edu_portal.messaging.channels import email as email_channel
from edu_portal.messaging.channels import sms as sms_channel
from edu_portal.messaging.channels.sms import limits
from edu_portal.messaging.models import Delivery, Notice, Recipient, RecipientChild
from tests.messaging.gateway import LocalGateway

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PHONE = "13800138000"


def link_for(recipient) -> str:
    return f"https://edu.example.cn/n/T{recipient.pk}x"


@pytest.fixture(autouse=True)
def channel_settings(settings, tmp_path, monkeypatch):
    settings.SMS_FILE_DIR = tmp_path / "sms"
    settings.SMS_BACKEND = "file"
    settings.SMS_SIGN_NAME = "示范县教育局"
    # No quiet hours, no pacing, no repeat rule unless a test sets them.
    settings.NOTICE_QUIET_START = settings.NOTICE_QUIET_END = "00:00"
    settings.SMS_RATE_PER_SECOND = 1000
    settings.SMS_REPEAT_SECONDS = 0
    settings.SMS_DAILY_CAP_PER_NUMBER = 10
    settings.NOTIFICATIONS_SITE_URL = "https://edu.example.cn"
    settings.DEFAULT_FROM_EMAIL = "notices@edu.example.cn"
    settings.SMS_REPORT_TOKEN = "report-token-123"
    # The signed link is M3's (edu_portal.messaging.links); a stand-in keeps these tests
    # about the channels.
    monkeypatch.setattr(sms_channel, "notice_url", link_for)
    monkeypatch.setattr(email_channel, "notice_url", link_for)
    limits._local.clear()
    yield settings
    limits._local.clear()


@pytest.fixture
def guardian(db):
    from edu_portal.accounts.models import User

    return User.objects.create_user(
        "guardian_zhao", phone=PHONE, email="zhao@example.com", display_name="赵家长"
    )


@pytest.fixture
def notice(teacher, school):
    return Notice.objects.create(
        sender=teacher,
        org_unit=school,
        title="春游通知",
        body='<p>下周三<b>春游</b>，请带水。</p><script>alert("x")</script>',
        channels=["inbox", "email", "sms"],
        state=Notice.State.SENT,
    )


@pytest.fixture
def recipient(notice, guardian, student):
    recipient = Recipient.objects.create(notice=notice, user=guardian)
    RecipientChild.objects.create(recipient=recipient, student=student, student_name="赵小明")
    return recipient


@pytest.fixture
def make_delivery(recipient):
    def make(channel="sms", *, address=None, purpose="notice", round=0, **fields):
        if address is None:
            address = {"sms": PHONE, "email": "zhao@example.com", "inbox": ""}[channel]
        return Delivery.objects.create(
            notice=recipient.notice,
            recipient=recipient,
            channel=channel,
            purpose=purpose,
            round=round,
            address=address,
            **{"state": Delivery.State.SENDING, "attempts": 1, **fields},
        )

    return make


@pytest.fixture
def gateway(settings):
    from tests.messaging import gateway as fake

    with LocalGateway() as server:
        settings.SMS_ALIYUN_ENDPOINT = f"{server.url}/aliyun/"
        settings.SMS_ALIYUN_ACCESS_KEY_ID = fake.ALIYUN_KEY_ID
        settings.SMS_ALIYUN_ACCESS_KEY_SECRET = fake.ALIYUN_SECRET
        settings.SMS_ALIYUN_TEMPLATE_CODE = "SMS_000001"
        settings.SMS_TENCENT_ENDPOINT = f"{server.url}/tencent/"
        settings.SMS_TENCENT_SECRET_ID = fake.TENCENT_SECRET_ID
        settings.SMS_TENCENT_SECRET_KEY = fake.TENCENT_SECRET_KEY
        settings.SMS_TENCENT_SDK_APP_ID = fake.TENCENT_APP_ID
        settings.SMS_TENCENT_TEMPLATE_ID = "100001"
        yield server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def at_local(hour: int, minute: int = 0, day: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)
