"""Malformed delivery-report calls (with the right token: a misbehaving gateway or a proxy in
between) are answered 4xx in the gateway's shape, never a 500 the gateway keeps retrying."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOKEN = "report-token-123"


def _url(vendor: str) -> str:
    return reverse(f"messaging:sms-report-{vendor}") + f"?token={TOKEN}"


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_deeply_nested_json_is_a_400(client, vendor):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(_url(vendor), data=body, content_type="application/json")
    assert response.status_code == 400


def test_garbled_content_length_is_a_400(client):
    response = client.post(
        _url("aliyun"), data="[]", content_type="application/json", CONTENT_LENGTH="abc"
    )
    assert response.status_code == 400
    assert response.json() == {"code": 1, "msg": "bad Content-Length"}
