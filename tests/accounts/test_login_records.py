"""Every sign-in attempt leaves a LoginRecord with its result, client IP and user agent,
through the login page, the admin login and the token API alike."""

from __future__ import annotations

from django.urls import reverse

from edu_portal.accounts.models import LoginRecord
from edu_portal.accounts.roles import Role

from .conftest import PASSWORD, make_user

Result = LoginRecord.Result


def _only_record() -> LoginRecord:
    records = list(LoginRecord.objects.all())
    assert len(records) == 1, records
    return records[0]


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_success_via_login_page(client, login_user):
    response = client.post(
        reverse("login"), {"username": "liming", "password": PASSWORD, "next": "/videos/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/videos/"
    record = _only_record()
    assert record.result == Result.SUCCESS
    assert record.user == login_user
    assert record.ip == "203.0.113.5"
    assert record.user_agent == "pytest-browser/1.0"


def test_wrong_password_via_login_page(client, login_user):
    response = client.post(reverse("login"), {"username": "liming", "password": "nope"})
    assert response.status_code == 200
    assert "Wrong username or password. 2 attempts left" in response.content.decode()
    record = _only_record()
    assert record.result == Result.BAD_CREDENTIALS
    assert (record.username, record.ip, record.user_agent) == (
        "liming",
        "203.0.113.5",
        "pytest-browser/1.0",
    )


def test_unknown_username_is_recorded(client, db):
    response = client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert "Wrong username or password" in response.content.decode()
    record = _only_record()
    assert (record.username, record.result, record.user) == (
        "nobody",
        Result.BAD_CREDENTIALS,
        None,
    )


def test_inactive_account_with_right_password(client, tree):
    user = make_user("gone", Role.TEACHER, tree.school_a, password=PASSWORD, is_active=False)
    response = client.post(reverse("login"), {"username": "gone", "password": PASSWORD})
    assert "This account has been disabled" in response.content.decode()
    record = _only_record()
    assert (record.result, record.user) == (Result.INACTIVE, user)


def test_inactive_account_with_wrong_password_reveals_nothing(client, tree):
    make_user("gone", Role.TEACHER, tree.school_a, password=PASSWORD, is_active=False)
    response = client.post(reverse("login"), {"username": "gone", "password": "wrong"})
    content = response.content.decode()
    assert "disabled" not in content
    assert "Wrong username or password" in content
    assert _only_record().result == Result.BAD_CREDENTIALS


def test_admin_login_success_is_recorded(client, tree):
    make_user("root", password=PASSWORD, is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    record = _only_record()
    assert (record.result, record.ip, record.user_agent) == (
        Result.SUCCESS,
        "203.0.113.5",
        "pytest-browser/1.0",
    )


def test_admin_login_failure_uses_the_same_message(client, login_user):
    response = client.post(reverse("admin:login"), {"username": "liming", "password": "bad"})
    assert response.status_code == 200
    assert "Wrong username or password. 2 attempts left" in response.content.decode()
    assert _only_record().result == Result.BAD_CREDENTIALS


def test_admin_login_refuses_non_staff_and_records_it(client, login_user):
    response = client.post(reverse("admin:login"), {"username": "liming", "password": PASSWORD})
    assert response.status_code == 200
    assert "cannot use the administration site" in response.content.decode()
    record = _only_record()
    assert (record.result, record.user) == (Result.REFUSED, login_user)
    assert "_auth_user_id" not in client.session


def test_api_token_success_and_failure_are_recorded(api, login_user):
    url = reverse("api-auth-token")
    assert api.post(url, {"username": "liming", "password": "bad"}).status_code == 400
    assert api.post(url, {"username": "liming", "password": PASSWORD}).status_code == 200
    failure, success = LoginRecord.objects.order_by("created_at", "id")
    assert failure.result == Result.BAD_CREDENTIALS
    assert success.result == Result.SUCCESS
    for record in (failure, success):
        assert record.ip == "203.0.113.6"
        assert record.user_agent == "pytest-api/1.0"
    assert success.user == login_user


def test_spoofed_forwarded_for_is_ignored(client, login_user):
    client.post(
        reverse("login"),
        {"username": "liming", "password": "bad"},
        HTTP_X_FORWARDED_FOR="10.1.2.3",
    )
    assert _only_record().ip == "203.0.113.5"


def test_forwarded_for_from_trusted_proxy_is_used(trusted_proxy, login_user):
    from django.test import Client

    proxied = Client(REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    proxied.post(reverse("login"), {"username": "liming", "password": "bad"})
    assert _only_record().ip == "198.51.100.7"
