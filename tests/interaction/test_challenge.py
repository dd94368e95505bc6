"""The proof-of-work check refuses scripted submissions: no payload, a forged one, a replayed
one; the office registers letters received by phone or post without it."""

from __future__ import annotations

import base64
import json

import pytest
from rest_framework.authtoken.models import Token

from edu_portal.interaction.models import Channel, Letter
from tests.interaction.conftest import letter_data, solved

pytestmark = pytest.mark.django_db


def test_page_refuses_a_letter_without_the_solved_puzzle(client):
    response = client.post("/letters/write/", letter_data())
    assert response.status_code == 200
    assert "not a robot" in response.content.decode()
    assert not Letter.objects.exists()


def test_page_refuses_a_forged_and_a_replayed_payload(client):
    forged = base64.b64encode(
        json.dumps(
            {
                "algorithm": "SHA-256",
                "challenge": "0" * 64,
                "number": 1,
                "salt": "x",
                "signature": "y",
            }
        ).encode()
    ).decode()
    assert client.post("/letters/write/", {**letter_data(), "altcha": forged}).status_code == 200
    payload = solved()
    assert client.post("/letters/write/", {**letter_data(), "altcha": payload}).status_code == 302
    again = client.post("/letters/write/", {**letter_data(), "altcha": payload})
    assert again.status_code == 200
    assert Letter.objects.count() == 1


def test_page_serves_a_challenge_and_the_widget(client):
    challenge = client.get("/letters/write/challenge/").json()
    assert {"parameters", "signature"} <= set(challenge)
    page = client.get("/letters/write/").content.decode()
    assert "<altcha-widget" in page and "/letters/write/challenge/" in page


def test_api_refuses_anonymous_letters_without_the_challenge(client):
    response = client.post("/api/v1/letters/", letter_data(), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "challenge_required"
    assert not Letter.objects.exists()


def test_api_accepts_an_anonymous_letter_with_the_challenge(client):
    data = {**letter_data(), "altcha": solved()}
    response = client.post(
        "/api/v1/letters/", data, content_type="application/json", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    letter = Letter.objects.get(pk=body["id"])
    assert body["query_code"] == letter.query_code and len(letter.query_code) == 10
    assert (letter.channel, letter.client_ip, letter.registered_by) == (
        Channel.ONLINE,
        "10.1.2.3",
        None,
    )


def test_api_checks_the_fields(client):
    data = {**letter_data(kind="petition", phone="12"), "altcha": solved()}
    response = client.post("/api/v1/letters/", data, content_type="application/json")
    assert response.status_code == 400 and "kind" in response.json()


def test_the_office_registers_a_letter_by_token_without_the_challenge(client, office):
    token = Token.objects.create(user=office)
    response = client.post(
        "/api/v1/letters/",
        {**letter_data(kind="mailbox"), "channel": "post"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201
    letter = Letter.objects.get(pk=response.json()["id"])
    assert (letter.channel, letter.registered_by) == (Channel.POST, office)


def test_a_department_editor_is_not_the_office(client, editor):
    token = Token.objects.create(user=editor)
    response = client.post(
        "/api/v1/letters/",
        letter_data(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    assert not Letter.objects.exists()


def test_the_form_speaks_chinese(client):
    page = client.get("/letters/write/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提交来信" in page and "同意答复作为热点问答公开" in page
