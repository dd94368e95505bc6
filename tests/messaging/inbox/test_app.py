"""The inbox as a home-screen app: the manifest and the service worker's scope."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_manifest():
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("messaging:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = response.json()
    assert data["name"] == "家校通知"
    assert data["start_url"] == "/notices/" and data["display"] == "standalone"
    sources = [icon["src"] for icon in data["icons"]]
    assert "/static/img/favicon.svg" in sources
    png = next(icon for icon in data["icons"] if icon["type"] == "image/png")
    image = Client().get(png["src"])
    assert image.status_code == 200
    assert b"".join(image.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_service_worker_is_served_under_the_inbox():
    url = reverse("messaging:service-worker")
    assert url.startswith("/notices/")
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    # No Web Push: it needs Google's push service, out of reach in mainland China.
    assert 'addEventListener("push"' not in body
