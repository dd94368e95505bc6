"""POST /api/v1/auth/token/ and GET /api/v1/auth/me/."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.authtoken.models import Token

from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role

from .conftest import PASSWORD, make_user

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/auth/me/"


def test_urls():
    assert reverse("api-auth-token") == TOKEN_URL
    assert reverse("api-auth-me") == ME_URL


def test_token_for_right_password(api, login_user):
    response = api.post(TOKEN_URL, {"username": "liming", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["token"] == Token.objects.get(user=login_user).key
    assert body["user"]["username"] == "liming"
    assert body["user"]["roles"][0]["role"] == Role.TEACHER
    login_user.refresh_from_db()
    assert login_user.last_login is not None


def test_same_token_on_second_login(api, login_user):
    first = api.post(TOKEN_URL, {"username": "liming", "password": PASSWORD}).json()["token"]
    second = api.post(TOKEN_URL, {"username": "liming", "password": PASSWORD}).json()["token"]
    assert first == second


def test_bad_credentials(api, login_user):
    response = api.post(TOKEN_URL, {"username": "liming", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Wrong username or password. 2 attempts left before the account is locked.",
        "code": "invalid_credentials",
    }


def test_missing_fields(api, db):
    for body in ({}, {"username": "liming"}, {"password": "x"}, {"username": "", "password": ""}):
        response = api.post(TOKEN_URL, body, format="json")
        assert response.status_code == 400, body
        data = response.json()
        assert data["code"] == "missing_fields"
        assert data["detail"] == "Please enter both your username and your password."


def test_malformed_json(api, db):
    response = api.post(TOKEN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_disabled_account(api, tree):
    make_user("gone", Role.TEACHER, tree.school_a, password=PASSWORD, is_active=False)
    response = api.post(TOKEN_URL, {"username": "gone", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"


def test_session_user_can_post_without_csrf(login_user):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(login_user)
    response = browser.post(TOKEN_URL, {"username": "liming", "password": PASSWORD})
    assert response.status_code == 200


def test_me(api, tree, school_admin, teacher):
    actions.set_remote_access(school_admin, teacher, True)
    token = Token.objects.create(user=teacher)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = api.get(ME_URL).json()
    assert body["username"] == "teacher_a"
    assert body["display_name"] == "李老师"
    assert body["remote_access"] is True
    assert body["is_staff_member"] is True
    assert body["org_unit"] == {
        "id": tree.school_a.pk,
        "name": "城南小学",
        "kind": "school",
        "code": "t-school-a",
    }
    assert [(r["role"], r["org_unit"]["code"]) for r in body["roles"]] == [
        ("teacher", "t-school-a")
    ]


def test_me_requires_authentication(api, db):
    response = api.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoke_token(api, teacher):
    token = Token.objects.create(user=teacher)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(user=teacher).exists()
    assert api.get(ME_URL).status_code == 401


def test_schema_lists_the_endpoints(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (TOKEN_URL, ME_URL, "/api/v1/audit-events/", "/api/v1/role-assignments/"):
        assert path in paths, path
    post = paths[TOKEN_URL]["post"]
    assert {"200", "400", "429"} <= set(post["responses"])
    assert {p["name"] for p in paths["/api/v1/audit-events/"]["get"]["parameters"]} >= {
        "actor",
        "action",
        "model",
        "object_id",
        "since",
        "until",
        "page",
    }
