"""GET /api/v1/notifications/, POST …/<id>/read/ and …/read-all/: the caller's own only."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from edu_portal.notifications import actions
from edu_portal.notifications.models import Category, Notification

pytestmark = pytest.mark.django_db


def _client(user=None, *, csrf=False) -> APIClient:
    client = APIClient(enforce_csrf_checks=csrf)
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _notes(user, count: int) -> list[Notification]:
    return [
        actions.notify(user, f"note {i}", link=f"/catalog/r/{i}/", category=Category.RESOURCE)
        for i in range(count)
    ]


def test_list_is_newest_first_with_the_unread_count(reader, other_reader, school):
    notes = _notes(reader, 3)
    actions.notify(reader, "about the school", category=Category.SYSTEM, target=school)
    actions.mark_read(reader, notes[0].pk)
    _notes(other_reader, 2)

    body = _client(reader).get("/api/v1/notifications/").json()
    assert body["count"] == 4 and body["unread_count"] == 3
    assert [item["subject"] for item in body["results"]] == [
        "about the school",
        "note 2",
        "note 1",
        "note 0",
    ]
    first = body["results"][0]
    assert first["target_type"] == "accounts.orgunit" and first["target_id"] == school.pk
    assert first["category"] == "system" and first["is_read"] is False
    assert body["results"][-1]["read_at"] is not None


def test_unread_filter_and_pages(reader):
    notes = _notes(reader, 25)
    actions.mark_read(reader, notes[-1].pk)
    client = _client(reader)
    page = client.get("/api/v1/notifications/", {"unread": "1"}).json()
    assert page["count"] == 24 and len(page["results"]) == 20 and page["next"]
    assert page["unread_count"] == 24
    assert client.get("/api/v1/notifications/", {"unread": "0"}).json()["count"] == 1
    second = client.get("/api/v1/notifications/", {"page": 2}).json()
    assert len(second["results"]) == 5 and second["unread_count"] == 24
    bad = client.get("/api/v1/notifications/", {"unread": "maybe"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_filter"


def test_read_one_and_all(reader):
    first, _second, _third = _notes(reader, 3)
    client = _client(reader)
    response = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.post(f"/api/v1/notifications/{first.pk}/read/").status_code == 200
    assert actions.unread_count(reader) == 2
    response = client.post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": 2, "unread_count": 0}


def test_another_persons_notification_is_404_json(reader, other_reader):
    theirs = _notes(other_reader, 1)[0]
    response = _client(reader).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert _client(reader).post("/api/v1/notifications/999999/read/").status_code == 404
    _client(reader).post("/api/v1/notifications/read-all/")
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/notifications/1/read/"),
        ("post", "/api/v1/notifications/read-all/"),
    ],
)
def test_anonymous_gets_401_json(method, path):
    response = getattr(_client(), method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_session_post_needs_csrf(reader):
    note = _notes(reader, 1)[0]
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reader)
    response = client.post(f"/api/v1/notifications/{note.pk}/read/")
    assert response.status_code == 403
    assert Notification.objects.get(pk=note.pk).read_at is None
    assert client.get("/api/v1/notifications/").json()["unread_count"] == 1


def test_routes_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/notifications/"]
    assert "post" in paths["/api/v1/notifications/{id}/read/"]
    assert "post" in paths["/api/v1/notifications/read-all/"]
    listing = paths["/api/v1/notifications/"]["get"]["responses"]["200"]["content"]
    ref = listing["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "unread_count" in schema["components"]["schemas"][ref]["properties"]
