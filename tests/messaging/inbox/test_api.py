"""The inbox API contract: GET /api/v1/inbox/, POST .../read/, .../confirm/, .../reply/;
another guardian's notice is a 404 with a JSON body; receipts recorded once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from edu_portal.messaging.models import ChannelPreference, Notice
from tests.messaging.inbox.conftest import client_for, recipient, send

pytestmark = pytest.mark.django_db


def _url(name: str, notice: Notice) -> str:
    return reverse(f"messaging:api-inbox-{name}", args=[notice.pk])


def test_list_contract(notice_to_family, family):
    send(family.teacher, family.school, {family.mum: [family.hong]}, title="二")
    response = client_for(family.mum).get(reverse("messaging:api-inbox"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and data["unread_count"] == 2
    assert {"next", "previous", "results"} <= set(data)
    item = data["results"][1]
    assert item["id"] == notice_to_family.pk
    assert item["title"] == "春游通知"
    assert item["sender_unit"] == "城南小学"
    assert item["sent_at"]
    assert item["children"] == [
        {"name": "张小明", "class_name": "一年级1班"},
        {"name": "张小红", "class_name": "三年级2班"},
    ]
    assert item["ack"] == "read"
    assert (item["read"], item["confirmed"], item["replied"]) == (False, False, False)
    assert item["withdrawn"] is False
    assert item["url"] == f"/notices/inbox/{notice_to_family.pk}/"
    assert data["results"][0]["title"] == "二"  # newest first


def test_list_paginates(family):
    for n in range(3):
        send(family.teacher, family.school, {family.mum: [family.ming]}, title=f"通知{n}")
    data = client_for(family.mum).get(reverse("messaging:api-inbox"), {"page_size": 2}).json()
    assert len(data["results"]) == 2 and data["next"] and data["unread_count"] == 3


def test_read_confirm_recorded_once(family):
    notice = send(family.teacher, family.school, {family.mum: [family.ming]}, ack="confirm")
    client = client_for(family.mum)
    first = client.post(_url("read", notice)).json()
    assert first["read"] is True
    again = client.post(_url("read", notice)).json()
    assert again["read_at"] == first["read_at"]
    confirmed = client.post(_url("confirm", notice)).json()
    assert confirmed["confirmed"] is True
    assert client.post(_url("confirm", notice)).json()["confirmed_at"] == confirmed["confirmed_at"]
    listing = client.get(reverse("messaging:api-inbox")).json()
    assert listing["unread_count"] == 0


def test_reply(family):
    notice = send(
        family.teacher,
        family.school,
        {family.mum: [family.ming]},
        ack="reply",
        choices=["同意", "不同意"],
    )
    client = client_for(family.mum)
    data = client.post(_url("reply", notice), {"choice": "同意"}, content_type="application/json")
    assert data.status_code == 200
    assert data.json()["reply"] == {"choice": "同意", "text": ""}
    assert data.json()["read"] is True
    data = client.post(_url("reply", notice), {"choice": "不同意"}, content_type="application/json")
    assert data.json()["reply"]["choice"] == "不同意"
    bad = client.post(_url("reply", notice), {"choice": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and "choice" in bad.json()["errors"]
    assert recipient(notice, family.mum).reply_choice == "不同意"


def test_wrong_mode_and_withdrawn_are_400(notice_to_family, family):
    client = client_for(family.mum)
    response = client.post(_url("confirm", notice_to_family))
    assert response.status_code == 400 and response.json()["code"] == "no_confirmation"
    Notice.objects.filter(pk=notice_to_family.pk).update(state=Notice.State.WITHDRAWN)
    response = client.post(_url("read", notice_to_family))
    assert response.status_code == 400 and response.json()["code"] == "withdrawn"
    item = client.get(reverse("messaging:api-inbox")).json()["results"][0]
    assert item["withdrawn"] is True


def test_other_guardian_gets_404_json(notice_to_family, family):
    client = client_for(family.other_parent)
    for name in ("read", "confirm", "reply"):
        response = client.post(_url(name, notice_to_family))
        assert response.status_code == 404
        assert response.json()["detail"]
    assert recipient(notice_to_family, family.mum).read_at is None
    assert client.get(reverse("messaging:api-inbox")).json()["count"] == 0


def test_token_and_anonymous(notice_to_family, family):
    assert Client().get(reverse("messaging:api-inbox")).status_code == 401
    token = Token.objects.create(user=family.dad)
    response = Client().get(reverse("messaging:api-inbox"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_session_post_needs_csrf(notice_to_family, family):
    client = Client(enforce_csrf_checks=True)
    client.force_login(family.mum)
    assert client.post(_url("read", notice_to_family)).status_code == 403
    assert recipient(notice_to_family, family.mum).read_at is None


def test_consent_required(notice_to_family, family):
    ChannelPreference.objects.filter(user=family.mum).delete()
    response = client_for(family.mum).get(reverse("messaging:api-inbox"))
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert client_for(family.mum).post(_url("read", notice_to_family)).status_code == 403
