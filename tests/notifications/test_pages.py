"""The notifications page: the person's own list, mark one or all read, open, the e-mail
choice; POST + CSRF only; the header bell's count."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from edu_portal.notifications import actions
from edu_portal.notifications.models import Category, Notification

pytestmark = pytest.mark.django_db


def _client(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def _note(user, subject="Approved", link="/catalog/", **kwargs):
    return actions.notify(user, subject, "body text", link, category=Category.RESOURCE, **kwargs)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_shows_own_notifications_newest_first_unread_marked(reader, other_reader):
    old = _note(reader, "older one")
    _note(reader, "newer one")
    _note(other_reader, "not yours")
    actions.mark_read(reader, old.pk)
    page = _client(reader).get("/notifications/").content.decode()
    assert page.index("newer one") < page.index("older one")
    assert "not yours" not in page
    assert page.count('class="note note-unread"') == 1
    assert 'class="bell-count">1<' in page  # the header bell


def test_unread_filter_and_pagination(reader):
    for i in range(25):
        _note(reader, f"n{i:02d}")
    actions.mark_read(reader, Notification.objects.get(subject="n24").pk)
    client = _client(reader)
    first = client.get("/notifications/").content.decode()
    assert first.count('<li class="note') == 20 and "Page 1 of 2" in first
    unread = client.get("/notifications/?show=unread").content.decode()
    assert "n24" not in unread and "n23" in unread
    assert "show=unread&amp;page=2" in unread
    last = client.get("/notifications/?show=unread&page=2").content.decode()
    assert last.count('<li class="note') == 4


def test_mark_one_and_all_read(reader):
    first, second = _note(reader, "one"), _note(reader, "two")
    client = _client(reader, csrf=True)
    token = _token(client.get("/notifications/"))
    response = client.post(
        f"/notifications/{first.pk}/read/",
        {"csrfmiddlewaretoken": token, "show": "unread", "page": "1"},
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/?show=unread"
    assert actions.unread_count(reader) == 1
    response = client.post("/notifications/read-all/", {"csrfmiddlewaretoken": token})
    assert response["Location"] == "/notifications/"
    assert Notification.objects.get(pk=second.pk).read_at is not None


def test_changes_need_post_and_csrf(reader):
    note = _note(reader)
    client = _client(reader, csrf=True)
    for path in (
        f"/notifications/{note.pk}/read/",
        "/notifications/read-all/",
        f"/notifications/{note.pk}/open/",
        "/notifications/preferences/",
    ):
        assert client.get(path).status_code == 405
        assert client.post(path, {"email": "on"}).status_code == 403  # no CSRF token
    assert actions.unread_count(reader) == 1
    assert not actions.wants_email(reader)


def test_another_persons_notification_is_404(reader, other_reader):
    theirs = _note(other_reader)
    client = _client(reader)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    client.post("/notifications/read-all/")
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_open_marks_read_and_follows_only_site_links(reader):
    note = _note(reader, link="/catalog/r/7/")
    response = _client(reader).post(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/catalog/r/7/"
    assert Notification.objects.get(pk=note.pk).read_at is not None

    # A row written around actions.notify (raw SQL, an old import) still cannot redirect out.
    Notification.objects.filter(pk=note.pk).update(link="//evil.example/")
    response = _client(reader).post(f"/notifications/{note.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_email_preference_form(reader, other_reader):
    client = _client(reader)
    response = client.post("/notifications/preferences/", {"email": "on"}, follow=True)
    assert actions.wants_email(reader)
    assert "sun@example.cn" in response.content.decode()
    client.post("/notifications/preferences/", {})
    assert not actions.wants_email(reader)

    # No address: a clear sentence, nothing saved.
    response = _client(other_reader).post("/notifications/preferences/", {"email": "on"})
    assert response.status_code == 400
    assert "has no e-mail address" in response.content.decode()
    assert not actions.wants_email(other_reader)


def test_bell_count_and_no_bell_for_anonymous(reader, client):
    _note(reader)
    _note(reader)
    page = _client(reader).get("/notifications/")
    assert 'data-unread="2"' in page.content.decode()
    assert "header-bell" not in client.get("/").content.decode()


def test_context_processor_is_lazy(reader, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from edu_portal.notifications.context import notification_unread

    request = rf.get("/")
    request.user = AnonymousUser()
    assert notification_unread(request) == {"notification_unread": 0}
    _note(reader)
    request.user = reader
    with CaptureQueriesContext(connection) as queries:
        value = notification_unread(request)["notification_unread"]
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert value == 1 and str(value) == "1" and value > 0
    assert len(queries) == 1


def test_page_in_chinese(reader, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    translation.activate("zh-hans")
    _note(reader)
    client = _client(reader)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for english in (
        "Mark all as read",
        "Mark as read",
        "Unread",
        "Resources",
        "E-mail",
        "unread notification",
        "Open",
    ):
        assert f">{english}<" not in page and f"{english} " not in page, english
    assert "全部标为已读" in page


def test_header_shows_the_persons_name_and_caps_the_count(school):
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    user = make_user("t_zhang", Role.TEACHER, school, display_name="张老师")
    actions.notify_many([user, user], "x", category=Category.SYSTEM)
    for i in range(120):
        actions.notify(user, f"n{i}", category=Category.SYSTEM)
    page = _client(user).get("/notifications/").content.decode()
    assert '<summary class="user-name"' in page and ">张老师</summary>" in page
    assert 'class="bell-count">99+<' in page and 'data-unread="121"' in page
