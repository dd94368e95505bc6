"""Refusals say why and what to do; API paths get the same as JSON."""

from __future__ import annotations

import pytest
from django.test import Client

# Every page's header lists the portal's columns and its footer the site's settings, both
# read from the Wagtail tree in the database, error pages included.
pytestmark = [pytest.mark.urls("tests.portal.urls_for_tests"), pytest.mark.django_db]

OUTSIDE = "203.0.113.9"


def test_intranet_refusal_page_says_why_and_what_to_do(client, intranet_settings):
    response = client.get("/test-only/intranet/", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    html = response.content.decode()
    assert "此内容仅限在教育内网访问。" in html  # why
    assert "请在学校或教育局的网络中打开" in html  # what to do
    assert "outside_intranet" in html  # the reason code, for the help desk
    assert OUTSIDE in html  # the address the site saw, to diagnose proxy set-ups
    assert 'href="/"' in html


def test_refusal_page_in_english(client, intranet_settings):
    response = client.get("/test-only/intranet/", REMOTE_ADDR=OUTSIDE, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "This content is available only on the education intranet." in html
    assert "Open it from a school or bureau network." in html
    assert "What you can do" in html


def test_allowed_on_the_intranet(client, intranet_settings):
    response = client.get("/test-only/intranet/", REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 200


@pytest.mark.django_db
def test_staff_refusal_offers_sign_in(client, intranet_settings):
    response = client.get("/test-only/staff/", REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 403
    html = response.content.decode()
    assert "此内容仅供教师和教职工使用。" in html
    assert "login_required" in html
    assert "10.20.30.40" not in html  # the address only matters for intranet refusals


def test_plain_permission_denied_gets_a_generic_sentence(client):
    response = client.get("/test-only/denied/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "您没有权限打开此页面。" in html
    assert "internal detail meant for developers" not in html


def test_api_refusal_is_json(client, intranet_settings):
    response = client.get("/api/test-only/intranet/", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "outside_intranet"
    assert body["detail"] == "此内容仅限在教育内网访问。"
    assert body["hint"].startswith("请在学校或教育局的网络中打开")


def test_api_plain_permission_denied_is_json(client):
    response = client.get("/api/test-only/denied/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"] == "You do not have permission to open this page."


def test_404_page(client, db):  # unknown paths end in Wagtail's page lookup
    response = client.get("/no-such-page/<b>")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "返回首页" in html
    assert "/no-such-page/&lt;b&gt;" in html  # the path is shown, escaped


def test_404_for_api_is_json(client, db):
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_500_page_is_standalone_and_translated():
    client = Client(raise_request_exception=False)
    response = client.get("/test-only/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "本站出现了问题" in html
    assert "something broke" not in html


def test_500_for_api_is_json():
    client = Client(raise_request_exception=False)
    response = client.get("/api/test-only/broken/")
    assert response.status_code == 500
    assert response.json()["code"] == "error"


def test_handlers_are_wired_in_the_real_urlconf():
    from edu_portal import urls

    assert urls.handler403 == "edu_portal.portal.views.permission_denied"
    assert urls.handler404 == "edu_portal.portal.views.page_not_found"
    assert urls.handler500 == "edu_portal.portal.views.server_error"
