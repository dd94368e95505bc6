"""Home and section pages: Chinese first, English on request, navigation everywhere."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.shortcuts import render
from django.urls import reverse

from edu_portal.portal.sections import SECTIONS

# The resources and videos sections are catalog pages that read the database.
pytestmark = pytest.mark.django_db

SECTION_NAMES = ["resources", "videos", "ebooks", "disclosure", "notices"]


def test_sections_are_the_five_of_the_brief():
    assert [section.url_name for section in SECTIONS] == SECTION_NAMES


def test_home_is_in_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert settings.SITE_NAME in html
    for label in ("首页", "资源", "视频", "电子书", "政务公开", "通知"):
        assert label in html
    assert "Teaching resources" not in html


def test_home_in_english_from_accept_language(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in html
    for label in ("Home", "Resources", "Videos", "E-books", "Notices"):
        assert f">{label}<" in html
    # The portal's columns are pages whose titles are data (Chinese), not msgids.
    assert ">政务公开<" in html
    assert "Teaching resources" in html


def test_home_in_english_from_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html


def test_language_switcher_sets_the_language_and_returns_to_the_page(client):
    html = client.get("/videos/").content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html
    assert 'name="next" value="/videos/"' in html

    response = client.post(reverse("set_language"), {"language": "en", "next": "/videos/"})
    assert response.status_code == 302
    assert response["Location"] == "/videos/"
    assert '<html lang="en">' in client.get("/videos/").content.decode()

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_navigation_links_to_every_section(client):
    html = client.get("/").content.decode()
    for name in ["home", *SECTION_NAMES]:
        assert f'href="{reverse(name)}"' in html


def test_current_section_is_marked_in_the_navigation(client):
    html = client.get(reverse("ebooks")).content.decode()
    assert f'href="{reverse("ebooks")}" aria-current="page"' in html
    assert f'href="{reverse("videos")}" aria-current="page"' not in html


# The e-book library (ebooks.reader), the notices inbox (messaging) and 政务公开 (a column
# of the portal, tests/cms/structure) have their own pages, tested there.
@pytest.mark.parametrize(
    "name", [n for n in SECTION_NAMES if n not in ("ebooks", "notices", "disclosure")]
)
def test_section_page_states_its_purpose_and_is_honestly_empty(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂无内容" in html
    assert "本栏目将提供" in html


def test_section_page_in_english(client):
    html = client.get(reverse("resources"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing here yet" in html
    assert "Slides, lesson plans, worksheets and exercises to download" in html


def test_intranet_sections_explain_the_restriction_outside_the_intranet(client, intranet_settings):
    outside = client.get(reverse("videos"), REMOTE_ADDR="203.0.113.7").content.decode()
    inside = client.get(reverse("videos"), REMOTE_ADDR="10.1.2.3").content.decode()
    assert "本栏目仅限在教育内网访问" in outside
    assert "本栏目仅限在教育内网访问" not in inside


@pytest.mark.django_db
def test_sign_in_link_for_visitors(client):
    login_url = reverse("login")
    html = client.get("/videos/").content.decode()
    assert f'href="{login_url}?next=/videos/"' in html


@pytest.mark.django_db
def test_sign_out_is_a_post_form_for_signed_in_users(client, django_user_model):
    user = django_user_model.objects.create_user("teacher1", password="x-Secret-123")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert f'method="post" action="{reverse("logout")}"' in html
    assert "teacher1" in html


def test_messages_are_shown(rf):
    request = rf.get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    messages.success(request, "Saved the notice.")
    html = render(request, "404.html", {"request_path": "/"}).content.decode()
    assert "Saved the notice." in html
    assert "message-success" in html


def test_static_css_is_served_locally(client):
    html = client.get("/").content.decode()
    assert 'href="/static/css/site.css"' in html
    assert "http://" not in html
    assert "https://" not in html
    response = client.get("/static/css/site.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_login_is_in_chinese_by_default(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名" in html
    assert "登录" in html
