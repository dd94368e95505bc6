"""nginx's micro-cache of anonymous portal pages (deploy/nginx, the portal's location /)
in front of a live Django: only what Django marks (X-Accel-Expires) is kept, never for a
request with a session, kept apart per language and network, and a publication is seen
within CMS_EDGE_CACHE_SECONDS."""

from __future__ import annotations

import http.client
import ipaddress
import time

import pytest
from django.test import Client

from tests.cms.site.conftest import _own_cache, page_cache_on, portal  # noqa: F401 (fixtures)
from tests.deploy import nginx as harness

NGINX = harness.nginx_binary()
pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx with auth_request is not installed"),
    pytest.mark.django_db(transaction=True),
]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"
OUTSIDE = "127.0.0.2"


@pytest.fixture(scope="module")
def nginx_site(live_server, tmp_path_factory):
    site = harness.write_config(
        tmp_path_factory.mktemp("nginx-pages"),
        app=live_server.url.removeprefix("http://"),
        minio="127.0.0.1:9",  # no segments here
        intranet="127.0.0.1/32 1;\n",
    )
    with harness.running(NGINX, site):
        yield site


@pytest.fixture
def article(portal, page_cache_on, settings):  # noqa: F811
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    settings.CMS_EDGE_CACHE_SECONDS = 2
    news = portal.column("教育新闻", "news")
    # A slug of each test's own: nginx's cache lives as long as the module's nginx.
    return portal.article(news, "原来的标题", slug=f"item-{time.monotonic_ns()}")


def get(site, path: str, *, source: str = "127.0.0.1", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", site.port, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"User-Agent": BROWSER, **(headers or {})})
        response = connection.getresponse()
        return response, response.read().decode()
    finally:
        connection.close()


def test_anonymous_views_are_answered_by_nginx_and_carry_nothing_personal(nginx_site, article):
    first, page = get(nginx_site, article.url)
    second, again = get(nginx_site, article.url)
    assert (first.status, first.getheader("X-Edge-Cache")) == (200, "MISS")
    assert second.getheader("X-Edge-Cache") == "HIT" and again == page
    assert "原来的标题" in page and "csrfmiddlewaretoken" not in page
    assert first.getheader("Set-Cookie") is None and second.getheader("X-Accel-Expires") is None


def test_a_publication_is_seen_within_the_edge_seconds(nginx_site, article):
    get(nginx_site, article.url)
    article.title = "新的标题"
    article.save_revision().publish()
    deadline = time.monotonic() + 2 + 3  # CMS_EDGE_CACHE_SECONDS, and one render
    while "新的标题" not in get(nginx_site, article.url)[1]:
        assert time.monotonic() < deadline, "nginx kept the old page too long"
        time.sleep(0.2)


def test_signed_in_people_are_never_served_from_nor_stored_in_nginx(nginx_site, article, teacher):
    get(nginx_site, article.url)  # an anonymous copy is kept
    client = Client()
    client.force_login(teacher)
    session = f"sessionid={client.cookies['sessionid'].value}"
    for _ in range(2):
        response, page = get(nginx_site, article.url, headers={"Cookie": session})
        assert response.getheader("X-Edge-Cache") == "BYPASS"
        assert teacher.username in page and "csrfmiddlewaretoken" in page
    response, page = get(nginx_site, article.url)
    assert response.getheader("X-Edge-Cache") == "HIT" and teacher.username not in page
    # Flash messages waiting: not from the cache either.
    response, _ = get(nginx_site, article.url, headers={"Cookie": "messages=x"})
    assert response.getheader("X-Edge-Cache") == "BYPASS"


def test_languages_and_networks_are_kept_apart(nginx_site, article):
    get(nginx_site, article.url, headers={"Accept-Language": "zh-hans"})
    english, page = get(nginx_site, article.url, headers={"Accept-Language": "en"})
    assert english.getheader("X-Edge-Cache") == "MISS" and 'lang="en"' in page
    chosen, page = get(nginx_site, article.url, headers={"Cookie": "django_language=en"})
    assert chosen.getheader("X-Edge-Cache") == "MISS" and 'lang="en"' in page
    outside, _ = get(nginx_site, article.url, source=OUTSIDE)
    assert outside.getheader("X-Edge-Cache") == "MISS"


def test_what_django_does_not_mark_is_never_kept(nginx_site, article):
    for path in (f"{article.url}?q=anything", "/no-such-page/", "/healthz"):
        for _ in range(2):
            response, _ = get(nginx_site, path)
            assert response.getheader("X-Edge-Cache") in ("MISS", "EXPIRED", None), path
