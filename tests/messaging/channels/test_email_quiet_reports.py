"""E-mail through a real local SMTP server, quiet hours, delivery reports and the
unsubscribe address."""

from __future__ import annotations

import datetime
import json
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from edu_portal.messaging import channels
from edu_portal.messaging.channels import quiet
from edu_portal.messaging.channels.email import unsubscribe_token
from edu_portal.messaging.models import ChannelPreference, Delivery

from .conftest import at_local, free_port

State = Delivery.State


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_email_arrives_once_with_headers_and_link(smtp, make_delivery):
    delivery = make_delivery("email")
    assert channels.send(delivery) == State.SENT
    assert channels.send(delivery) == State.SENT
    Delivery.objects.filter(pk=delivery.pk).update(state=State.SENDING)  # a redelivered task
    assert channels.send(delivery) == State.SENT
    assert len(smtp.messages) == 1
    rcpt, message = smtp.messages[0]
    assert rcpt == ["zhao@example.com"]
    assert message["Subject"] == "城南小学｜春游通知"
    assert message["Message-ID"] == f"<notice-delivery-{delivery.pk}@edu.example.cn>"
    unsubscribe = message["List-Unsubscribe"]
    assert "<https://edu.example.cn/notices/unsubscribe/" in unsubscribe
    assert "<mailto:notices@edu.example.cn?subject=unsubscribe%20" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = f"https://edu.example.cn/n/T{delivery.recipient_id}x"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert link in text and "赵家长，您好" in text and "本通知涉及：赵小明" in text
    assert "<b>春游</b>" in html and link in html
    assert "<script" not in html and "alert" not in html  # sanitised
    delivery.refresh_from_db()
    assert delivery.gateway == "smtp" and delivery.gateway_id == message["Message-ID"]


def test_reminder_subject_and_unreachable_server_holds(settings, make_delivery):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    delivery = make_delivery("email", purpose="reminder", round=1)
    assert channels.send(delivery) == State.HELD
    delivery.refresh_from_db()
    assert delivery.handed_at is None and "unreachable" in delivery.error
    assert delivery.not_before > timezone.now()


# --- quiet hours ---------------------------------------------------------------------------


def test_next_allowed_default_window(settings):
    settings.NOTICE_QUIET_START, settings.NOTICE_QUIET_END = "20:00", "08:00"
    assert quiet.next_allowed(at_local(21, 30)) == at_local(8, 0, day=11)
    assert quiet.next_allowed(at_local(20, 0)) == at_local(8, 0, day=11)
    assert quiet.next_allowed(at_local(7, 59)) == at_local(8, 0)
    assert quiet.next_allowed(at_local(8, 0)) == at_local(8, 0)
    assert quiet.next_allowed(at_local(12, 0)) == at_local(12, 0)
    assert quiet.next_allowed(at_local(23, 0), urgent=True) == at_local(23, 0)
    # A UTC instant is read in Asia/Shanghai: 13:00 UTC is 21:00 there.
    utc = datetime.datetime(2025, 3, 10, 13, 0, tzinfo=datetime.UTC)
    assert quiet.next_allowed(utc) == at_local(8, 0, day=11)


def test_quiet_hours_hold_sms_and_email_until_morning(settings, notice, make_delivery, monkeypatch):
    settings.NOTICE_QUIET_START, settings.NOTICE_QUIET_END = "20:00", "08:00"
    monkeypatch.setattr(timezone, "now", lambda: at_local(21, 15))
    sms, mail = make_delivery("sms"), make_delivery("email")
    assert channels.send(sms) == State.HELD
    assert channels.send(mail) == State.HELD
    for delivery in (sms, mail):
        delivery.refresh_from_db()
        assert delivery.not_before == at_local(8, 0, day=11)
        assert delivery.handed_at is None
    assert not settings.SMS_FILE_DIR.exists()

    notice.urgent = True
    notice.save(update_fields=["urgent"])
    urgent = make_delivery("sms", purpose="reminder", round=1)
    assert channels.send(urgent) == State.SENT
    assert len(list(settings.SMS_FILE_DIR.iterdir())) == 1


# --- delivery reports ------------------------------------------------------------------------


TOKEN = "report-token-123"


def _post(client, vendor, items, token=TOKEN):
    url = reverse(f"messaging:sms-report-{vendor}") + f"?token={token}"
    return client.post(url, json.dumps(items), content_type="application/json")


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_repeated_reports_are_counted_once(client, settings, gateway, make_delivery, vendor):
    settings.SMS_BACKEND = vendor
    first = make_delivery("sms")
    second = make_delivery("sms", purpose="reminder", round=1, address="13900139000")
    assert channels.send(first) == channels.send(second) == State.SENT
    items = gateway.reports(vendor)
    response = _post(client, vendor, items)
    assert response.status_code == 200
    expected = {"code": 0, "msg": "成功"} if vendor == "aliyun" else {"result": 0, "errmsg": "OK"}
    assert response.json() == expected
    first.refresh_from_db()
    assert first.state == State.DELIVERED and first.delivered_at
    delivered_at = first.delivered_at
    # The same batch again, then a contradicting failure for it: nothing changes.
    assert _post(client, vendor, items).status_code == 200
    assert _post(client, vendor, gateway.reports(vendor, success=False)).status_code == 200
    first.refresh_from_db()
    assert first.state == State.DELIVERED and first.delivered_at == delivered_at
    assert Delivery.objects.filter(state=State.DELIVERED).count() == 2


def test_failed_report_and_refusals(client, settings, gateway, make_delivery):
    settings.SMS_BACKEND = "tencent"
    delivery = make_delivery("sms")
    channels.send(delivery)
    assert _post(client, "tencent", gateway.reports("tencent"), token="wrong").status_code == 403
    response = client.get(reverse("messaging:sms-report-tencent") + "?token=report-token-123")
    assert response.status_code == 405
    url = reverse("messaging:sms-report-tencent") + "?token=report-token-123"
    bad = client.post(url, "not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["result"] == 1
    delivery.refresh_from_db()
    assert delivery.state == State.SENT  # nothing applied by refused calls
    assert _post(client, "tencent", gateway.reports("tencent", success=False)).status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == State.FAILED and "MI:0013" in delivery.error
    settings.SMS_REPORT_TOKEN = ""
    assert _post(client, "tencent", [], token="").status_code == 403


# --- unsubscribe -----------------------------------------------------------------------------


def test_unsubscribe_get_changes_nothing_post_turns_email_off(client, guardian):
    ChannelPreference.objects.create(user=guardian, email=True, sms=True)
    url = reverse("messaging:email-unsubscribe", args=[unsubscribe_token(guardian.pk)])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "停止通知邮件" in page.content.decode()
    assert ChannelPreference.objects.get(user=guardian).email is True
    # RFC 8058 one-click: a POST without a CSRF token from the mail client.
    csrf_client = client.__class__(enforce_csrf_checks=True)
    done = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    preference = ChannelPreference.objects.get(user=guardian)
    assert preference.email is False and preference.sms is True
    assert client.get(url[:-2] + "x/").status_code == 404
