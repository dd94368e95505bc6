"""GET /api/v1/audit-events/: bureau administrators only, filterable, paginated JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from edu_portal.accounts import actions, audit
from edu_portal.accounts.roles import Role

from .conftest import make_user

URL = "/api/v1/audit-events/"


def _as(api, user):
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_url_name():
    assert reverse("api-audit-events") == URL


def test_anonymous_is_refused_with_json(api, db):
    response = api.get(URL)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("who", ["teacher", "school_admin"])
def test_non_bureau_admins_get_403_json(api, request, who):
    user = request.getfixturevalue(who)
    response = _as(api, user).get(URL)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["detail"] == "Only bureau administrators can see this."


@pytest.fixture
def events(tree, plain_bureau_admin, school_admin, teacher):
    # Only this test's updates: a row another test committed outside its transaction (the
    # test database is shared by the files an xdist worker runs) must not count here.
    LogEntry.objects.filter(action=LogEntry.Action.UPDATE).delete()
    with audit.actor_context(school_admin, remote_addr="10.1.1.1"):
        actions.set_remote_access(school_admin, teacher, True)
    pupil = make_user("pupil", unit=tree.class_a)
    with audit.actor_context(school_admin, remote_addr="10.1.1.2"):
        actions.assign_role(school_admin, pupil, Role.STUDENT, tree.class_a)
    old = LogEntry.objects.filter(content_type__model="orgunit")
    old.update(timestamp=timezone.now() - timedelta(days=30))
    return {"teacher": teacher, "pupil": pupil}


def test_role_only_bureau_admin_lists_events(api, plain_bureau_admin, events):
    response = _as(api, plain_bureau_admin).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == LogEntry.objects.count()
    newest = body["results"][0]
    assert set(newest) == {
        "id",
        "time",
        "action",
        "actor",
        "ip",
        "object",
        "changes",
        "correlation_id",
    }
    assert newest["action"] == "create"
    assert newest["actor"]["username"] == "head_a"
    assert newest["ip"] == "10.1.1.2"
    assert newest["object"]["model"] == "accounts.roleassignment"
    assert newest["changes"]["role"] == ["None", "student"]


def test_filters(api, bureau_admin, school_admin, events):
    client = _as(api, bureau_admin)
    teacher = events["teacher"]

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    by_actor = ids(actor=school_admin.pk)
    assert len(by_actor) == 2
    assert ids(actor_username="HEAD_A") == by_actor
    updates = ids(action="update")
    assert len(updates) == 1
    assert LogEntry.objects.get(pk=updates[0]).changes_dict == {"remote_access": ["False", "True"]}
    assert ids(model="accounts.user", object_id=str(teacher.pk)) == updates + [
        e.pk for e in LogEntry.objects.get_for_object(teacher).filter(action=0).order_by("-id")
    ]
    assert len(ids(model="orgunit")) == 7
    recent = ids(since=(timezone.now() - timedelta(days=1)).isoformat())
    assert not set(recent) & set(ids(model="orgunit"))
    assert set(ids(until=(timezone.now() - timedelta(days=1)).isoformat())) == set(
        ids(model="orgunit")
    )
    assert ids(ip="10.1.1.1") == updates


def test_bad_filter_values_are_400_json(api, bureau_admin, events):
    client = _as(api, bureau_admin)
    for params in ({"action": "explode"}, {"since": "yesterday"}, {"model": "accounts."}):
        response = client.get(URL, params)
        assert response.status_code == 400, params
        assert "code" in response.json()


def test_paginated(api, bureau_admin, events):
    client = _as(api, bureau_admin)
    total = LogEntry.objects.count()
    assert total > 5
    first = client.get(URL, {"page_size": 5}).json()
    assert first["count"] == total
    assert len(first["results"]) == 5
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    newest_first = [r["time"] for r in first["results"] + second["results"]]
    assert newest_first == sorted(newest_first, reverse=True)
