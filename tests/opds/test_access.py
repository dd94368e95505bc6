"""Who may browse and download: Basic, session, anonymous, outside the intranet (catalog
keys: ``test_catalog_key``)."""

from __future__ import annotations

import pytest

from edu_portal.accounts.models import LoginRecord
from edu_portal.accounts.roles import Role
from tests.opds.conftest import PASSWORD, basic, entries, link, parse, path_of, titles
from tests.people import make_user

pytestmark = pytest.mark.django_db
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def reader(school):
    return make_user("teacher_zhao", Role.TEACHER, school, password=PASSWORD)


@pytest.fixture
def remote_reader(school):
    return make_user("teacher_remote", Role.TEACHER, school, password=PASSWORD, remote_access=True)


def test_anonymous_intranet_client_browses_public_and_intranet_books(client, make_ebook):
    make_ebook("公开书", visibility="public")
    make_ebook("内网书", visibility="intranet")
    make_ebook("教师书", visibility="staff")
    assert sorted(titles(parse(client.get("/opds/new/")))) == ["公开书", "内网书"]


def test_staff_books_need_a_staff_account(client, make_ebook, reader):
    make_ebook("教师书", visibility="staff")
    assert titles(parse(client.get("/opds/new/", **basic("teacher_zhao", PASSWORD)))) == ["教师书"]


def test_anonymous_download_is_challenged(client, make_ebook):
    book = make_ebook("内网书")
    (entry,) = entries(parse(client.get("/opds/new/")))
    # Listed with its acquisition link: following it is what makes the reader ask.
    href = path_of(link(entry, "http://opds-spec.org/acquisition").get("href"))
    response = client.get(href)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="OPDS"')
    assert client.get(f"/opds/books/{book.pk}.epub", **basic("x", "y")).status_code == 401


def test_basic_good_credentials_download(client, make_ebook, reader):
    book = make_ebook("内网书")
    response = client.get(f"/opds/books/{book.pk}.epub", **basic("teacher_zhao", PASSWORD))
    assert response.status_code == 200
    success = LoginRecord.objects.filter(username="teacher_zhao", result="success")
    assert success.count() == 1
    # A reader sends credentials with every request: not one login record per request.
    client.get("/opds/new/", **basic("teacher_zhao", PASSWORD))
    assert success.count() == 1


def test_basic_bad_password_is_challenged_and_counted(client, make_ebook, reader):
    make_ebook("内网书")
    response = client.get("/opds/new/", **basic("teacher_zhao", "wrong"))
    assert response.status_code == 401
    assert "WWW-Authenticate" in response
    assert LoginRecord.objects.filter(username="teacher_zhao", result="bad_credentials").exists()
    assert client.get("/opds/", HTTP_AUTHORIZATION="Basic ***").status_code == 401


def test_basic_locked_account_is_refused_with_a_reason(client, reader, settings):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        client.get("/opds/", **basic("teacher_zhao", "wrong"))
    response = client.get("/opds/", **basic("teacher_zhao", PASSWORD))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "locked" in response.content.decode()
    assert LoginRecord.objects.filter(username="teacher_zhao", result="locked").exists()


def test_basic_disabled_account(client, reader):
    reader.is_active = False
    reader.save()
    response = client.get("/opds/", **basic("teacher_zhao", PASSWORD))
    assert response.status_code == 403
    assert "disabled" in response.content.decode()


def test_session_user(client, make_ebook, teacher):
    book = make_ebook("内网书")
    client.force_login(teacher)
    assert client.get(f"/opds/books/{book.pk}.epub").status_code == 200


def test_student_may_browse_but_not_download(client, make_ebook, student):
    book = make_ebook("内网书")
    client.force_login(student)
    parse(client.get("/opds/new/"))
    response = client.get(f"/opds/books/{book.pk}.epub")
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


def test_outside_the_intranet(client, make_ebook, reader, remote_reader):
    book = make_ebook("内网书")
    anonymous = client.get("/opds/", **OUTSIDE)
    assert anonymous.status_code == 401  # so the reader asks for a remote-access account
    assert "intranet" in anonymous.content.decode()
    no_remote = client.get("/opds/new/", **OUTSIDE, **basic("teacher_zhao", PASSWORD))
    assert no_remote.status_code == 403
    assert client.get(f"/opds/covers/{book.pk}.jpg", **OUTSIDE).status_code == 401
    remote = basic("teacher_remote", PASSWORD)
    assert titles(parse(client.get("/opds/new/", **OUTSIDE, **remote))) == ["内网书"]
    assert client.get(f"/opds/books/{book.pk}.epub", **OUTSIDE, **remote).status_code == 200


def test_forwarded_client_behind_trusted_proxy(client, make_ebook):
    make_ebook("内网书")
    proxied = {"REMOTE_ADDR": "10.9.9.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert client.get("/opds/", **proxied).status_code == 401
    inside = {"REMOTE_ADDR": "10.9.9.2", "HTTP_X_FORWARDED_FOR": "10.1.2.3"}
    assert client.get("/opds/", **inside).status_code == 200


def test_basic_success_is_remembered_without_hashing_again(client, reader, monkeypatch):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert client.get("/opds/", **basic("teacher_zhao", PASSWORD)).status_code == 200
    calls = []
    original = Argon2PasswordHasher.verify
    monkeypatch.setattr(Argon2PasswordHasher, "verify", lambda *a: calls.append(1) or original(*a))
    for _request in range(3):
        assert client.get("/opds/", **basic("teacher_zhao", PASSWORD)).status_code == 200
    assert calls == []  # a reader's every request would otherwise pay for Argon2
    # A wrong password is never taken from memory.
    assert client.get("/opds/", **basic("teacher_zhao", "wrong")).status_code == 401

    reader.set_password("a-new-Password-9")
    reader.save()
    assert client.get("/opds/", **basic("teacher_zhao", PASSWORD)).status_code == 401
    assert client.get("/opds/", **basic("teacher_zhao", "a-new-Password-9")).status_code == 200
    reader.is_active = False
    reader.save()
    assert client.get("/opds/", **basic("teacher_zhao", "a-new-Password-9")).status_code == 403
