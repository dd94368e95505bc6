"""Consent before a guardian sees children's data; channel choices."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from edu_portal.messaging.consent import CONSENT_VERSION
from edu_portal.messaging.models import ChannelPreference
from tests.messaging.inbox.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_mum(family):
    ChannelPreference.objects.filter(user=family.mum).delete()
    return family.mum


def test_first_visit_asks_for_consent(notice_to_family, new_mum):
    client = client_for(new_mum)
    for url in (
        reverse("messaging:inbox"),
        reverse("messaging:inbox-notice", args=[notice_to_family.pk]),
        reverse("messaging:preferences"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("messaging:consent"))
    page = client.get(reverse("messaging:consent")).content.decode()
    for words in ("收集哪些信息", "保存多久", "撤回同意", "不满十四周岁"):
        assert words in page
    assert "张小红" not in page


def test_consent_is_recorded(notice_to_family, new_mum):
    client = client_for(new_mum)
    target = reverse("messaging:inbox-notice", args=[notice_to_family.pk])
    refused = client.post(reverse("messaging:consent"), {"next": target})
    assert refused.status_code == 400 and "请勾选表示同意" in refused.content.decode()
    assert not ChannelPreference.objects.filter(user=new_mum, consent_at__isnull=False).exists()
    response = client.post(
        reverse("messaging:consent"), {"agree": "yes", "next": target}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302 and response["Location"] == target
    preference = ChannelPreference.objects.get(user=new_mum)
    assert preference.consent_at is not None
    assert preference.consent_version == CONSENT_VERSION
    assert preference.consent_ip == "10.1.2.3"
    assert preference.sms is True  # she has a mobile number
    assert LogEntry.objects.filter(object_pk=str(preference.pk), actor=new_mum).exists()
    assert "张小红" in client.get(target).content.decode()


def test_consent_next_stays_on_the_site(new_mum):
    response = client_for(new_mum).post(
        reverse("messaging:consent"), {"agree": "yes", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("messaging:inbox")


def test_withdrawal_stops_sms_and_asks_again(family):
    client = client_for(family.mum)
    client.post(reverse("messaging:consent"), {"action": "withdraw"})
    preference = ChannelPreference.objects.get(user=family.mum)
    assert preference.consent_at is None and not preference.sms and not preference.email
    assert client.get(reverse("messaging:inbox")).status_code == 302


def test_staff_are_not_asked(family):
    response = client_for(family.teacher).get(reverse("messaging:preferences"))
    assert response.status_code == 200


def test_channel_choices(family):
    client = client_for(family.mum)
    page = client.get(reverse("messaging:preferences")).content.decode()
    assert "站内收件箱（始终开启）" in page and "13800000001" in page
    missing = client.post(reverse("messaging:preferences"), {"sms": "on", "email": "on"})
    assert missing.status_code == 400 and "请填写接收通知的邮箱地址" in missing.content.decode()
    response = client.post(
        reverse("messaging:preferences"), {"email": "on", "address": "mum@example.cn"}
    )
    assert response.status_code == 302
    preference = ChannelPreference.objects.get(user=family.mum)
    assert (preference.sms, preference.email) == (False, True)
    family.mum.refresh_from_db()
    assert family.mum.email == "mum@example.cn"
    # Once there is an address it is not changed here (password resets go to it).
    client.post(reverse("messaging:preferences"), {"email": "on", "address": "evil@example.cn"})
    family.mum.refresh_from_db()
    assert family.mum.email == "mum@example.cn"


def test_sms_needs_a_number(family):
    client = client_for(family.other_parent)  # no phone
    response = client.post(reverse("messaging:preferences"), {"sms": "on"})
    assert response.status_code == 400
    assert "您的账号没有登记手机号" in response.content.decode()


def test_preference_changes_need_post_with_csrf(family):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(family.mum)
    assert client.post(reverse("messaging:consent"), {"action": "withdraw"}).status_code == 403
    assert ChannelPreference.objects.get(user=family.mum).consent_at is not None
