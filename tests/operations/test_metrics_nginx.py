"""/metrics through the production nginx files: loopback passes, anyone else is stopped by
nginx before Django is asked, and Django's own check still holds behind it."""

from __future__ import annotations

import http.client
import ipaddress

import pytest

from tests.deploy import nginx as harness

NGINX = harness.nginx_binary()
pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx with auth_request is not installed"),
    pytest.mark.django_db(transaction=True),
]
OUTSIDE = "127.0.0.2"


@pytest.fixture(scope="module")
def nginx_site(live_server, tmp_path_factory):
    site = harness.write_config(
        tmp_path_factory.mktemp("nginx-metrics"),
        app=live_server.url.removeprefix("http://"),
        minio="127.0.0.1:9",
        intranet="127.0.0.1/32 1;\n",
    )
    with harness.running(NGINX, site):
        yield site


def get(site, path: str, *, source: str = "127.0.0.1", headers=None):
    connection = http.client.HTTPConnection(
        "127.0.0.1", site.port, source_address=(source, 0), timeout=30
    )
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_this_host_scrapes_through_nginx(nginx_site, settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    status, body = get(nginx_site, "/metrics")
    assert status == 200, body[:300]
    assert b"edu_backup_stale" in body
    assert b"django_http_requests_before_middlewares_total" in body


def test_anyone_else_is_stopped_by_nginx(nginx_site, settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    # A forged header changes nothing: nginx judges the connection's address.
    status, body = get(
        nginx_site, "/metrics", source=OUTSIDE, headers={"X-Forwarded-For": "127.0.0.1"}
    )
    assert status == 403
    assert b"edu_" not in body


def test_django_refuses_a_relay_it_does_not_trust(nginx_site, settings):
    # TRUSTED_PROXIES forgotten: Django cannot tell who is behind nginx, so it says 404.
    settings.TRUSTED_PROXIES = []
    status, body = get(nginx_site, "/metrics")
    assert status == 404
    assert b"edu_" not in body
