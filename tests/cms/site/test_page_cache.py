"""Anonymous views of live pages come from the cache until something is published; never
for signed-in people or restricted pages; the CSRF token in a cached page is the visitor's
own."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from tests.people import make_user

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def article(portal, page_cache_on):
    news = portal.column("教育新闻", "news")
    return portal.article(news, "原来的标题", slug="item")


def test_the_second_anonymous_view_is_a_hit_with_the_same_page(article):
    first = Client(**BROWSER).get(article.url)
    second = Client(**BROWSER).get(article.url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    strip = lambda response: TOKEN.sub("", response.content.decode())  # noqa: E731
    assert strip(first) == strip(second)
    assert "原来的标题" in second.content.decode()
    # The site's security headers are added to a hit as to any page.
    assert "Content-Security-Policy" in second
    assert second["X-Frame-Options"]


def test_an_anonymous_page_is_the_same_for_everyone_and_nginx_may_keep_it(article, settings):
    """No CSRF token, no cookie: nginx's micro-cache may keep the page (X-Accel-Expires),
    and the language switch works without a token for visitors who are not signed in."""
    settings.CMS_EDGE_CACHE_SECONDS = 5
    miss = Client(**BROWSER).get(article.url)
    visitor = Client(enforce_csrf_checks=True, **BROWSER)
    hit = visitor.get(article.url)
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    for response in (miss, hit):
        assert response["X-Accel-Expires"] == "5"
        assert not TOKEN.search(response.content.decode()) and not response.cookies
    assert miss.content == hit.content
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": article.url})
    assert switched.status_code == 302 and switched["Location"] == article.url
    assert switched.cookies["django_language"].value == "en"
    # A forged switch cannot send anyone elsewhere.
    away = visitor.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/"
    settings.CMS_EDGE_CACHE_SECONDS = 0
    assert "X-Accel-Expires" not in Client(**BROWSER).get(article.url)


def test_signed_in_people_still_need_the_token_to_switch_language(article, teacher):
    client = Client(enforce_csrf_checks=True, **BROWSER)
    client.force_login(teacher)
    page = client.get(article.url)
    assert "X-Accel-Expires" not in page and "X-Page-Cache" not in page
    token = TOKEN.search(page.content.decode()).group(1)
    refused = client.post("/i18n/setlang/", {"language": "en", "next": article.url})
    assert refused.status_code == 403
    done = client.post(
        "/i18n/setlang/", {"language": "en", "next": article.url, "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302


def test_publishing_a_change_is_seen_at_once(article):
    Client(**BROWSER).get(article.url)
    article.title = "改过的标题"
    article.save_revision().publish()
    response = Client(**BROWSER).get(article.url)
    assert response["X-Page-Cache"] == "miss"
    assert "改过的标题" in response.content.decode()


def test_an_unpublished_page_is_gone_at_once(article):
    Client(**BROWSER).get(article.url)
    article.unpublish()
    assert Client(**BROWSER).get(article.url).status_code == 404


def test_a_new_article_shows_in_its_cached_column(portal, article):
    column = article.get_parent()
    Client(**BROWSER).get(column.url)
    portal.article(column.specific, "新发布的文章", slug="new")
    response = Client(**BROWSER).get(column.url)
    assert response["X-Page-Cache"] == "miss"
    assert "新发布的文章" in response.content.decode()


def test_signed_in_people_are_never_served_or_stored(article, teacher):
    signed_in = Client(**BROWSER)
    signed_in.force_login(teacher)
    first = signed_in.get(article.url)
    assert "X-Page-Cache" not in first
    assert teacher.username in first.content.decode() or "teacher" in first.content.decode()
    # What the signed-in person saw was not stored for anyone else.
    anonymous = Client(**BROWSER).get(article.url)
    assert anonymous["X-Page-Cache"] == "miss"
    assert teacher.username not in anonymous.content.decode()
    # And a cached copy is not given to them.
    assert "X-Page-Cache" not in signed_in.get(article.url)


def test_a_restricted_page_is_never_cached(article):
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    for _ in range(2):
        response = Client(**BROWSER).get(article.url)
        assert response.status_code == 302
        assert "X-Page-Cache" not in response


def test_a_page_restricted_after_being_cached_is_not_served_from_the_cache(article):
    assert Client(**BROWSER).get(article.url)["X-Page-Cache"] == "miss"
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    assert Client(**BROWSER).get(article.url).status_code == 302


@pytest.mark.parametrize("query", ["?page=1", "?page=1&x=1", "?category=policy", "?q=<script>"])
def test_only_the_plain_page_and_its_pagination_are_cached(article, query):
    column_url = article.get_parent().url
    first = Client(**BROWSER).get(column_url + query)
    second = Client(**BROWSER).get(column_url + query)
    if query == "?page=1":
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    else:
        assert "X-Page-Cache" not in first and "X-Page-Cache" not in second


def test_languages_and_networks_are_cached_apart(article):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", **BROWSER).get(article.url)
    english = Client(HTTP_ACCEPT_LANGUAGE="en", **BROWSER).get(article.url)
    assert english["X-Page-Cache"] == "miss"
    assert 'lang="en"' in english.content.decode()
    assert 'lang="zh-hans"' in chinese.content.decode()
    outside = Client(REMOTE_ADDR="203.0.113.9", **BROWSER).get(article.url)
    assert outside["X-Page-Cache"] == "miss"
    assert "outside" in outside.content.decode() or "外" in outside.content.decode()


def test_the_cache_can_be_turned_off(article, settings):
    settings.CMS_PAGE_CACHE_SECONDS = 0
    Client(**BROWSER).get(article.url)
    assert "X-Page-Cache" not in Client(**BROWSER).get(article.url)


def test_a_visitor_with_a_session_cookie_is_not_served_from_the_cache(article):
    Client(**BROWSER).get(article.url)
    visitor = Client(**BROWSER)
    visitor.cookies["sessionid"] = "forged"
    assert "X-Page-Cache" not in visitor.get(article.url)


def test_a_footer_change_is_seen_at_once(article):
    from wagtail.models import Site

    from edu_portal.cms.models import PortalSettings

    Client(**BROWSER).get(article.url)
    settings_row = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    settings_row.host_org = "新的主办单位"
    settings_row.save()
    assert "新的主办单位" in Client(**BROWSER).get(article.url).content.decode()


def test_an_editor_is_not_given_a_cached_page_after_signing_in(article, department):
    editor = make_user("editor_cache", "department_editor", department)
    Client(**BROWSER).get(article.url)
    client = Client(**BROWSER)
    client.force_login(editor)
    assert "X-Page-Cache" not in client.get(article.url)
