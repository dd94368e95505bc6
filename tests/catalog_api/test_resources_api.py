"""The resource API: create with taxonomy, read as different people, edit, take down,
download counting and refusals, and the taxonomy choices for the pickers."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import counters
from catalog.models import Blob, Collection, Edition, Resource, Subject, TextbookNode
from edu_portal.accounts.roles import Role
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from tests.people import make_user

pytestmark = pytest.mark.django_db

INTRANET = {"REMOTE_ADDR": "10.1.2.3"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}
RESOURCES = "/api/v1/resources/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _store(settings, tmp_path, intranet_settings):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"


def api(user=None) -> APIClient:
    client = APIClient(**INTRANET)
    if user is not None:
        client.force_authenticate(user)
    return client


def upload_of(user, data: bytes, filename: str, filetype: str) -> str:
    """A finished tus upload of ``data``; returns its URL as the client would send it."""
    key = f"uploads/test/{uuid.uuid4().hex}"
    get_storage().put_bytes(key, data)
    upload = Upload.objects.create(
        owner=user,
        filename=filename,
        filetype=filetype,
        length=len(data),
        offset=len(data),
        status=Upload.Status.COMPLETE,
        key=key,
        sha256=hashlib.sha256(data).hexdigest(),
        expires_at=timezone.now() + timedelta(days=1),
        completed_at=timezone.now(),
    )
    return f"http://testserver/api/v1/uploads/{upload.pk}"


def create(user, data=PDF, filename="勾股定理.pdf", filetype="application/pdf", **fields):
    body = {
        "title": "勾股定理 课件",
        "kind": "courseware",
        "upload": upload_of(user, data, filename, filetype),
        **fields,
    }
    return api(user).post(RESOURCES, body, format="json")


def test_teacher_creates_courseware_with_taxonomy(teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(
            teacher,
            stage="junior",
            grade=8,
            subject="math",
            edition="pep",
            collection="local",
            tags=["勾股定理", "几何", "勾股定理"],
            licence="cc_by",
            description="八年级下册",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["status"] == "ready"
    assert (body["stage"], body["grade"], body["subject"], body["edition"]) == (
        "junior",
        8,
        "math",
        "pep",
    )
    assert body["collection"] == "local" and body["licence"] == "cc_by"
    assert sorted(body["tags"]) == ["几何", "勾股定理"]
    assert body["original"]["filename"] == "勾股定理.pdf"
    assert body["original"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["detail_url"] == f"/resources/{body['id']}/"
    assert body["download_url"] == f"/resources/{body['id']}/download/"
    # The upload is freed: the file lives at its content address now.
    assert not Upload.objects.exists()
    assert get_storage().exists(Blob.objects.get().key)


def test_identical_files_are_stored_once(teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = create(teacher, filename="a.pdf").json()
        second = create(teacher, filename="b.pdf").json()
    assert first["id"] != second["id"]
    assert Blob.objects.count() == 1
    assert first["original"]["sha256"] == second["original"]["sha256"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"stage": "primary", "grade": 8}, "grade"),
        ({"stage": "primary", "subject": "physics"}, "subject"),
        ({"subject": "no-such-subject"}, "subject"),
        ({"collection": "nope"}, "collection"),
        ({"grade": 13}, "grade"),
        ({"kind": "video"}, "kind"),
        ({"licence": "gpl"}, "licence"),
        ({"tags": ["x"] * 21}, "tags"),
    ],
)
def test_inconsistent_metadata_is_refused_clearly(teacher, fields, field):
    response = create(teacher, **fields)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body or field in body.get("errors", {}), body
    assert not Resource.objects.exists() and not Blob.objects.exists()


def test_students_may_not_create(student):
    response = create(student)
    assert response.status_code == 403
    assert "may not upload" in response.json()["detail"]


def add_node(parent, kind, name, edition, subject, grade=8) -> TextbookNode:
    fields = {"kind": kind, "name": name, "edition": edition, "subject": subject, "grade": grade}
    if parent is None:
        return TextbookNode.add_root(**fields)
    return parent.add_child(**fields)


def test_textbook_node_fills_subject_grade_and_edition(teacher):
    math, pep = Subject.objects.get(code="math"), Edition.objects.get(code="pep")
    book = add_node(None, "book", "数学 八年级下册", pep, math)
    unit = add_node(book, "unit", "第十七章 勾股定理", pep, math)
    response = create(teacher, textbook_node=unit.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage"], body["grade"], body["subject"], body["edition"]) == (
        "junior",
        8,
        "math",
        "pep",
    )
    mismatch = create(teacher, textbook_node=unit.pk, grade=7)
    assert mismatch.status_code == 400


def test_drafts_are_seen_by_owner_only(teacher, student, school):
    resource_id = create(teacher).json()["id"]
    assert api(teacher).get(f"{RESOURCES}{resource_id}/").status_code == 200
    other = make_user("teacher_wu", Role.TEACHER, school)
    # Someone else's draft answers exactly like an id that does not exist.
    refused = api(other).get(f"{RESOURCES}{resource_id}/")
    missing = api(other).get(f"{RESOURCES}999999/")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()
    assert api().get(f"{RESOURCES}{resource_id}/").status_code == 404


def test_published_resource_detail_for_everyone_on_the_intranet(teacher, student):
    resource_id = create(teacher).json()["id"]
    Resource.objects.filter(pk=resource_id).update(state="published", published_at=timezone.now())
    body = api().get(f"{RESOURCES}{resource_id}/").json()
    assert body["title"] == "勾股定理 课件"
    assert body["download_url"] is None  # anonymous visitors cannot download
    assert body["processing"] is None
    assert api(student).get(f"{RESOURCES}{resource_id}/").json()["download_url"] is None
    outside = APIClient(**OUTSIDE).get(f"{RESOURCES}{resource_id}/")
    assert outside.status_code == 403 and outside.json()["code"] == "outside_intranet"


def test_owner_edits_and_others_may_not(teacher, school):
    resource_id = create(teacher).json()["id"]
    response = api(teacher).patch(
        f"{RESOURCES}{resource_id}/",
        {"title": "勾股定理（第二版）", "grade": 8, "subject": "math", "tags": ["复习"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "勾股定理（第二版）" and body["stage"] == "junior"
    assert body["tags"] == ["复习"]
    other = make_user("teacher_he", Role.TEACHER, school)
    refused = api(other).patch(f"{RESOURCES}{resource_id}/", {"title": "x"}, format="json")
    assert refused.status_code == 404  # someone else's draft is not even confirmed to exist
    bad = api(teacher).patch(
        f"{RESOURCES}{resource_id}/", {"grade": 3, "subject": "physics"}, format="json"
    )
    assert bad.status_code == 400  # grade 3 is primary school, which teaches no physics
    assert Resource.objects.get(pk=resource_id).grade == 8


def test_download_is_counted_audited_and_explained_when_refused(client, teacher, student):
    resource_id = create(teacher).json()["id"]
    Resource.objects.filter(pk=resource_id).update(state="published", published_at=timezone.now())
    client.force_login(teacher)
    response = client.get(f"/resources/{resource_id}/download/", **INTRANET)
    assert response.status_code == 302
    fetched = client.get(response["Location"], **INTRANET)
    assert b"".join(fetched.streaming_content) == PDF
    assert "attachment" in fetched["Content-Disposition"]
    # A resumed download (a Range past 0) is not another download.
    client.get(f"/resources/{resource_id}/download/", HTTP_RANGE="bytes=10-", **INTRANET)
    counters.flush()  # downloads are counted in a buffer first
    assert Resource.objects.get(pk=resource_id).download_count == 1
    assert LogEntry.objects.filter(object_pk=str(resource_id), changes__icontains="download")

    client.force_login(student)
    refused = client.get(f"/resources/{resource_id}/download/", **INTRANET)
    assert refused.status_code == 403
    assert b"may view this resource but not download it" in refused.content
    client.logout()
    outside = client.get(f"/resources/{resource_id}/download/", **OUTSIDE)
    assert outside.status_code == 403 and b"education intranet" in outside.content
    counters.flush()
    assert Resource.objects.get(pk=resource_id).download_count == 1


def test_deleted_resource_download_is_410(client, teacher):
    resource_id = create(teacher).json()["id"]
    Resource.objects.filter(pk=resource_id).update(state="published", deleted_at=timezone.now())
    client.force_login(teacher)
    response = client.get(f"/resources/{resource_id}/download/", **INTRANET)
    assert response.status_code == 410
    assert client.get("/resources/999999/download/", **INTRANET).status_code == 404


def test_taxonomy_choices_for_the_pickers(client):
    body = client.get("/api/v1/taxonomy/").json()
    junior = next(s for s in body["stages"] if s["value"] == "junior")
    assert [g["value"] for g in junior["grades"]] == [7, 8, 9]
    assert {"value": "math", "label": "数学", "stages": []} in body["subjects"]
    assert {c["value"] for c in body["collections"]} >= {"ncet", "local", "masters", "provincial"}
    assert "lesson_plan" in {k["value"] for k in body["kinds"]}


def test_textbook_nodes_by_book_and_by_parent(client):
    math, pep = Subject.objects.get(code="math"), Edition.objects.get(code="pep")
    book = add_node(None, "book", "数学 八年级下册", pep, math)
    add_node(book, "unit", "第十七章 勾股定理", pep, math)
    books = client.get("/api/v1/taxonomy/nodes/?edition=pep&subject=math&grade=8").json()
    assert [b["name"] for b in books] == ["数学 八年级下册"] and books[0]["has_children"]
    units = client.get(f"/api/v1/taxonomy/nodes/?parent={book.pk}").json()
    assert [u["name"] for u in units] == ["第十七章 勾股定理"]
    assert client.get("/api/v1/taxonomy/nodes/?parent=999999").status_code == 404
    assert client.get("/api/v1/taxonomy/nodes/?grade=x").status_code == 400


def test_collections_are_admin_defined_too():
    Collection.objects.create(slug="county-contest", name="县优课评比")
    assert Collection.objects.filter(builtin=True).count() == 4
