"""/readyz tells only internal callers which service failed, why and how fast each answered.

The attack: anyone on the internet asked /readyz and learnt the services behind the portal,
their timings and their error messages (addresses, ports, versions). From outside the answer
is now the status code and ``{"status": ...}`` alone.
"""

from __future__ import annotations

import pytest

OUTSIDE = "203.0.113.7"
PROXY = "10.9.9.1"  # in TRUSTED_PROXIES of intranet_settings


@pytest.fixture
def dead_search(intranet_settings):
    intranet_settings.SEARCH_URL = "http://127.0.0.1:1"
    return intranet_settings


def _bare(response, status: int, word: str) -> None:
    assert response.status_code == status, response.content
    assert response.json() == {"status": word}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_outside_caller_gets_only_the_status(client, intranet_settings):
    _bare(client.get("/readyz", REMOTE_ADDR=OUTSIDE), 200, "ok")


@pytest.mark.django_db
def test_an_outside_caller_learns_nothing_about_a_failing_service(client, dead_search):
    response = client.get("/readyz", REMOTE_ADDR=OUTSIDE)
    _bare(response, 503, "error")
    text = response.content.decode()
    for secret in ("search", "127.0.0.1:1", "ms", "database", "Elasticsearch"):
        assert secret not in text


@pytest.mark.django_db
def test_an_outside_caller_behind_the_trusted_proxy_gets_only_the_status(client, dead_search):
    response = client.get("/readyz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OUTSIDE)
    _bare(response, 503, "error")


@pytest.mark.django_db
def test_a_request_relayed_by_an_untrusted_proxy_gets_only_the_status(client, dead_search):
    # nginx on the same host while TRUSTED_PROXIES is left empty: the peer is loopback, but
    # the caller is whoever nginx says, which nobody can check.
    dead_search.TRUSTED_PROXIES = []
    response = client.get("/readyz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    _bare(response, 503, "error")
    # A forged header from an outside peer does not make it internal either.
    response = client.get("/readyz", REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR="127.0.0.1")
    _bare(response, 503, "error")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "meta",
    [
        {"REMOTE_ADDR": "127.0.0.1"},  # the host itself
        {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "10.20.30.40"},  # intranet via nginx
        {"REMOTE_ADDR": PROXY},  # the proxy's own health check
    ],
    ids=["loopback", "intranet-behind-proxy", "trusted-proxy"],
)
def test_internal_callers_still_see_which_service_failed(client, dead_search, meta):
    response = client.get("/readyz", **meta)
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["search"]
    assert body["checks"]["database"]["status"] == "ok"
    assert "ms" in body["checks"]["search"]
