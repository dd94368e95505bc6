"""The client address behind trusted proxies, and spoofed X-Forwarded-For from others."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from edu_portal.access import client_ip, is_intranet

rf = RequestFactory()


def _request(remote: str, xff: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return rf.get("/", **extra)


@pytest.mark.parametrize(
    ("remote", "xff", "expected"),
    [
        # No proxy: the socket address, whatever the header says.
        ("203.0.113.7", None, "203.0.113.7"),
        # Spoofed header from an untrusted client is ignored entirely.
        ("203.0.113.7", "10.1.2.3", "203.0.113.7"),
        ("203.0.113.7", "10.1.2.3, 10.9.9.1", "203.0.113.7"),
        # Through our trusted proxy: the right-most address it saw.
        ("10.9.9.1", "203.0.113.7", "203.0.113.7"),
        # A client that prepends a fake intranet address is still caught.
        ("10.9.9.1", "10.1.2.3, 203.0.113.7", "203.0.113.7"),
        # Two trusted proxies in a row are skipped.
        ("10.9.9.1", "10.1.2.3, 10.9.9.2", "10.1.2.3"),
        # Ports and IPv4-mapped IPv6 are normalised.
        ("10.9.9.1", "203.0.113.7:5555", "203.0.113.7"),
        ("::ffff:203.0.113.9", None, "203.0.113.9"),
        ("10.9.9.1", "[2001:db8::1]:443", "2001:db8::1"),
        # Trusted proxy with an empty header: the proxy itself.
        ("10.9.9.1", "", "10.9.9.1"),
        # Garbage written after our proxy chain: unknown, never the proxy's address.
        ("10.9.9.1", "not-an-ip", None),
        ("10.9.9.1", "203.0.113.7, bogus", None),
    ],
)
def test_client_ip(intranet_settings, remote, xff, expected):
    assert client_ip(_request(remote, xff)) == expected


def test_unknown_address_is_not_intranet(intranet_settings):
    assert not is_intranet(None)
    assert not is_intranet("")
    assert not is_intranet("garbage")
    assert is_intranet("10.20.30.40")
    assert not is_intranet("203.0.113.7")


def test_no_trusted_proxies_means_header_never_used(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("127.0.0.1", "10.0.0.5")) == "127.0.0.1"


def test_middleware_sets_client_ip_on_real_requests(client, intranet_settings):
    response = client.get("/healthz", REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR="10.3.3.3")
    assert response.wsgi_request.client_ip == "10.3.3.3"
    assert response.wsgi_request.on_intranet is True
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.3.3.3")
    assert response.wsgi_request.client_ip == "203.0.113.5"
    assert response.wsgi_request.on_intranet is False
