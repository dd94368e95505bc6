"""After `make run`'s seeding (seed_demo, then seed_catalog), every reviewer role finds
something to review on /review/, routed as the README says; seeding twice adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.models import Collection, Resource
from edu_portal.accounts.models import User
from edu_portal.workflow.models import State

pytestmark = pytest.mark.django_db

SCHOOL = "比多少 教学设计"
COLLECTED = "《济南的冬天》朗读指导"
DEPARTMENT = "勾股定理 单元作业设计"


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _seed() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_catalog", "--no-video", stdout=StringIO())


def _queue(username: str):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get("/review/")
    assert response.status_code == 200, username
    return response


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("school_admin", {SCHOOL}),
        ("school_reviewer", {SCHOOL}),
        ("office_reviewer", {SCHOOL, COLLECTED, DEPARTMENT}),
        ("bureau_admin", {SCHOOL, COLLECTED, DEPARTMENT}),
    ],
)
def test_every_reviewer_role_has_something_to_review(username, expected):
    _seed()
    response = _queue(username)
    assert response.context["reviewer"] is True
    assert {item["label"] for item in response.context["items"]} == expected


def test_uploaders_see_their_submissions_and_seeding_is_idempotent():
    _seed()
    waiting = Resource.objects.filter(state=State.IN_REVIEW)
    assert {(r.title, r.uploader.username) for r in waiting} == {
        (SCHOOL, "teacher"),
        (COLLECTED, "teacher"),
        (DEPARTMENT, "dept_editor"),
    }
    assert all(r.submitted_at for r in waiting)
    assert Collection.objects.get(slug="provincial").review_unit.code == "demo-office"
    editor = _queue("dept_editor")
    assert editor.context["reviewer"] is False
    assert {item["label"] for item in editor.context["items"]} == {DEPARTMENT}

    counts = (Resource.objects.count(), User.objects.count())
    _seed()
    assert (Resource.objects.count(), User.objects.count()) == counts
