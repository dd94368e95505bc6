"""Favourites (收藏): the toggle form (with and without the script), the page, the API, and
what is refused: anonymous users, GET, CSRF-less posts, others' drafts, others' lists; a
favourite of a withdrawn resource shows as unavailable without its content."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client

from catalog.models import Favourite
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def pupil(student):
    client = Client()
    client.force_login(student)
    return client


def test_the_form_adds_and_removes_without_script(pupil, student, make_resource):
    resource = make_resource("勾股定理课件")
    detail = pupil.get(f"/resources/{resource.pk}/", **EN).content.decode()
    assert f'action="/resources/{resource.pk}/favourite/"' in detail
    assert 'aria-pressed="false"' in detail

    response = pupil.post(
        f"/resources/{resource.pk}/favourite/",
        {"action": "add", "next": f"/resources/{resource.pk}/"},
        **EN,
    )
    assert response.status_code == 302 and response["Location"] == f"/resources/{resource.pk}/"
    assert Favourite.objects.filter(user=student, resource=resource).count() == 1
    # The same form sent twice does not undo itself.
    pupil.post(f"/resources/{resource.pk}/favourite/", {"action": "add"}, **EN)
    assert Favourite.objects.filter(user=student).count() == 1
    assert 'aria-pressed="true"' in pupil.get(f"/resources/{resource.pk}/", **EN).content.decode()
    assert LogEntry.objects.filter(
        content_type__model="favourite", action=LogEntry.Action.CREATE
    ).exists()

    # An outside "next" is not followed.
    response = pupil.post(
        f"/resources/{resource.pk}/favourite/",
        {"action": "remove", "next": "https://evil.example/"},
        **EN,
    )
    assert response["Location"] == "/resources/favourites/"
    assert not Favourite.objects.exists()


def test_the_script_gets_json(pupil, make_resource):
    resource = make_resource("分数的认识")
    url = f"/resources/{resource.pk}/favourite/"
    answer = pupil.post(url, {"action": "add"}, HTTP_ACCEPT="application/json")
    assert answer.json() == {"resource": resource.pk, "favourite": True}
    answer = pupil.post(url, {"action": "remove"}, HTTP_ACCEPT="application/json")
    assert answer.json() == {"resource": resource.pk, "favourite": False}


def test_refusals(client, student, make_resource, teacher, school):
    resource = make_resource("公开课")
    url = f"/resources/{resource.pk}/favourite/"
    # Not signed in: to the sign-in page, nothing kept.
    assert client.post(url, {"action": "add"}).status_code == 302
    assert not Favourite.objects.exists()
    # GET changes nothing.
    client.force_login(student)
    assert client.get(url).status_code == 405
    # Without the CSRF token: refused.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(student)
    assert strict.post(url, {"action": "add"}).status_code == 403
    assert not Favourite.objects.exists()
    # Someone else's draft: "not found", like an id that does not exist.
    draft = make_resource("草稿", state="draft", index=False)
    assert client.post(f"/resources/{draft.pk}/favourite/", {"action": "add"}).status_code == 404
    assert client.post("/resources/999999/favourite/", {"action": "add"}).status_code == 404
    assert not Favourite.objects.exists()


def test_the_page_lists_mine_and_withdrawn_ones_as_unavailable(pupil, student, make_resource):
    kept = make_resource("勾股定理课件")
    withdrawn = make_resource("已撤回的秘密课件", description="不应出现的内容")
    for resource in (kept, withdrawn):
        Favourite.objects.create(user=student, resource=resource)
    someone = make_user("student_li", Role.STUDENT, student.org_unit)
    Favourite.objects.create(user=someone, resource=make_resource("别人的收藏"))
    withdrawn.state = "withdrawn"
    withdrawn.save(update_fields=["state"])

    html = pupil.get("/resources/favourites/", **EN).content.decode()
    assert "勾股定理课件" in html
    assert "This resource is no longer available" in html
    assert "已撤回的秘密课件" not in html and "不应出现的内容" not in html
    assert "别人的收藏" not in html
    # The unavailable one can still be taken off the list.
    assert f'action="/resources/{withdrawn.pk}/favourite/"' in html

    zh = pupil.get("/resources/favourites/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的收藏" in zh and "Favourites" not in zh


def test_the_page_needs_a_sign_in(client):
    response = client.get("/resources/favourites/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_api(student, make_resource, school):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(student)
    first, second = make_resource("勾股定理"), make_resource("分数")
    assert api.post("/api/v1/favourites/", {"resource": first.pk}, format="json").status_code == 201
    assert api.post("/api/v1/favourites/", {"resource": first.pk}, format="json").status_code == 200
    assert api.put(f"/api/v1/favourites/{second.pk}/").status_code == 201
    body = api.get("/api/v1/favourites/").json()
    assert body["count"] == 2
    assert {row["title"] for row in body["results"]} == {"勾股定理", "分数"}
    assert all(row["available"] and row["url"] for row in body["results"])
    assert api.get(f"/api/v1/favourites/{first.pk}/").json()["resource"] == first.pk

    second.state = "withdrawn"
    second.save(update_fields=["state"])
    row = api.get(f"/api/v1/favourites/{second.pk}/").json()
    assert row == {"resource": second.pk, "created_at": row["created_at"], "available": False}

    assert api.delete(f"/api/v1/favourites/{second.pk}/").status_code == 204
    assert api.delete(f"/api/v1/favourites/{second.pk}/").status_code == 404
    # Bad input and others' drafts: 4xx with a JSON body.
    bad = api.post("/api/v1/favourites/", {"resource": "abc"}, format="json")
    assert bad.status_code == 400 and bad.json()
    draft = make_resource("草稿", state="draft", index=False)
    refused = api.post("/api/v1/favourites/", {"resource": draft.pk}, format="json")
    assert refused.status_code == 404 and refused.json()
    # Another user sees only their own.
    other = APIClient()
    other.force_authenticate(make_user("student_li", Role.STUDENT, school))
    assert other.get("/api/v1/favourites/").json()["count"] == 0
    assert other.get(f"/api/v1/favourites/{first.pk}/").status_code == 404
    assert APIClient().get("/api/v1/favourites/").status_code in (401, 403)
