"""Attacks on the resource API that used to get through (issue 11), each as the request
the attacker made: edits to published resources, probing for drafts, stale search hits,
and oversized text."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Resource
from edu_portal.accounts.roles import Role
from tests.catalog_api.test_resources_api import INTRANET, OUTSIDE, RESOURCES, api, create
from tests.people import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(settings, tmp_path, intranet_settings):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"


@pytest.fixture
def admin(bureau):
    return make_user("admin_sun", Role.BUREAU_ADMIN, bureau)


def published(teacher, admin) -> int:
    resource_id = create(teacher, visibility="intranet").json()["id"]
    review = f"{RESOURCES}{resource_id}/review/"
    assert api(teacher).post(review, {"action": "submit"}, format="json").status_code == 200
    assert api(admin).post(review, {"action": "approve"}, format="json").status_code == 200
    return resource_id


def _edits(resource_id: int) -> list[dict]:
    return [
        entry.changes_dict
        for entry in LogEntry.objects.filter(object_pk=str(resource_id)).order_by("pk")
        if "title" in entry.changes_dict or "visibility" in entry.changes_dict
    ]


def test_uploader_cannot_relabel_or_widen_a_published_resource(teacher, admin):
    resource_id = published(teacher, admin)
    attack = api(teacher).patch(
        f"{RESOURCES}{resource_id}/",
        {"visibility": "public", "title": "官方课件", "collection": "ncet", "tags": ["央馆"]},
        format="json",
    )
    assert attack.status_code == 400
    assert attack.json()["code"] == "needs_review"
    assert "Withdraw it first" in attack.json()["detail"]
    resource = Resource.objects.get(pk=resource_id)
    assert (resource.visibility, resource.title, resource.collection) == (
        "intranet",
        "勾股定理 课件",
        None,
    )
    assert not resource.tags.exists()
    outside = APIClient(**OUTSIDE).get(f"{RESOURCES}{resource_id}/")
    assert outside.status_code == 403  # still intranet only


def test_a_reviewer_edits_directly_and_every_edit_is_audited(teacher, admin):
    draft_id = create(teacher).json()["id"]
    response = api(teacher).patch(
        f"{RESOURCES}{draft_id}/", {"title": "勾股定理（修订）"}, format="json"
    )
    assert response.status_code == 200
    assert _edits(draft_id) == [{"title": ["勾股定理 课件", "勾股定理（修订）"]}]

    resource_id = published(teacher, admin)
    response = api(admin).patch(
        f"{RESOURCES}{resource_id}/", {"visibility": "public", "tags": ["几何"]}, format="json"
    )
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.filter(object_pk=str(resource_id)).latest("pk")
    assert entry.changes_dict == {"visibility": ["intranet", "public"], "tags": [[], ["几何"]]}
    assert entry.actor == admin


def test_someone_elses_draft_answers_like_a_missing_id(teacher, school):
    draft_id = create(teacher).json()["id"]
    stranger = api(make_user("teacher_he", Role.TEACHER, school))
    for method, suffix, body in (
        ("get", "", None),
        ("patch", "", {"title": "x"}),
        ("delete", "", None),
        ("post", "review/", {"action": "approve"}),
        ("post", "review/", {"action": "submit"}),
        ("get", "processing/", None),
    ):
        answers = [
            getattr(stranger, method)(f"{RESOURCES}{pk}/{suffix}", body, format="json")
            for pk in (draft_id, 999999)
        ]
        assert answers[0].status_code == answers[1].status_code == 404, (method, suffix)
        assert answers[0].content == answers[1].content, (method, suffix)
    assert Resource.objects.get(pk=draft_id).state == "draft"
    assert Resource.objects.get(pk=draft_id).deleted_at is None


def test_search_never_returns_a_resource_the_database_has_removed(teacher, admin, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from edu_portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        resource_id = published(teacher, admin)
        from catalog.search import services

        services.update(resource_id)
    finally:
        app.conf.task_always_eager = saved
    found = APIClient(**INTRANET).get(RESOURCES, {"q": "勾股"}).json()
    assert [row["id"] for row in found["results"]] == [resource_id]
    # Deleted in the database; the index has not caught up yet (its task is still queued).
    Resource.objects.filter(pk=resource_id).update(deleted_at=timezone.now())
    found = APIClient(**INTRANET).get(RESOURCES, {"q": "勾股"}).json()
    assert found["results"] == []
    Resource.objects.filter(pk=resource_id).update(deleted_at=None, visibility="staff")
    found = APIClient(**INTRANET).get(RESOURCES, {"q": "勾股"}).json()
    assert found["results"] == []  # not visible to an anonymous visitor any more


def test_oversized_descriptions_are_refused(teacher):
    huge = "字" * 2_000_000  # 6 MB: refused before any view runs, in the API's words
    response = create(teacher, description=huge)
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert not Resource.objects.exists()
    long = "字" * 6000  # small enough to parse, longer than a description may be
    response = create(teacher, description=long)
    assert response.status_code == 400
    assert "description" in response.json()
    assert not Resource.objects.exists()
    draft_id = create(teacher).json()["id"]
    response = api(teacher).patch(f"{RESOURCES}{draft_id}/", {"description": huge}, format="json")
    assert response.status_code == 400
    assert Resource.objects.get(pk=draft_id).description == ""


def test_repeated_get_downloads_count_once_per_user_and_day(client, teacher, admin, school):
    """A book or page with <img src="/resources/<id>/download/"> makes every reader's
    browser fetch it again and again: each user counts once a day."""
    from catalog import counters

    resource_id = published(teacher, admin)
    reader = make_user("teacher_he", Role.TEACHER, school)
    client.force_login(reader)
    for _ in range(5):
        assert client.get(f"/resources/{resource_id}/download/", **INTRANET).status_code == 302
    client.force_login(teacher)
    client.get(f"/resources/{resource_id}/download/", **INTRANET)
    counters.flush()
    assert Resource.objects.get(pk=resource_id).download_count == 2
    audited = LogEntry.objects.filter(object_pk=str(resource_id), changes__icontains="download")
    assert audited.count() == 2
