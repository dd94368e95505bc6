"""People, resources in every state and finished uploads for the author's pages."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from catalog import actions as catalog_actions
from catalog.models import Resource
from catalog.sources import StoredSource
from edu_portal.accounts.roles import Role
from edu_portal.storage import get_storage
from edu_portal.workflow import transitions
from media_pipeline.models import Upload
from tests.people import make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_TYPE = "application/pdf"
MP4_HEADER = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


@pytest.fixture(autouse=True)
def _english(settings, tmp_path, intranet_settings):
    """English messages for the assertions, a private object store, no search tasks."""
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_indexing(monkeypatch):
    monkeypatch.setattr("catalog.search.indexing.schedule_index", lambda *a, **k: None)


@pytest.fixture(autouse=True)
def queued(monkeypatch) -> dict[str, list]:
    """Background tasks sent (after commit), recorded instead of run."""
    sent: dict[str, list] = {"preview": [], "process": [], "ingest": []}
    monkeypatch.setattr(
        "catalog.previews.tasks.build_preview_task.delay",
        lambda pk, force=False: sent["preview"].append(pk),
    )
    monkeypatch.setattr(
        "media_pipeline.processing.tasks.process_job_task.delay",
        lambda job_id: sent["process"].append(job_id),
    )
    monkeypatch.setattr(
        "ebooks.tasks.ingest_resource_task.delay", lambda pk: sent["ingest"].append(pk)
    )
    return sent


@pytest.fixture
def other_teacher(school):
    return make_user("teacher_zhao", Role.TEACHER, school)


@pytest.fixture
def school_reviewer(school):
    return make_user("reviewer_he", Role.SCHOOL_REVIEWER, school)


@pytest.fixture
def bureau_admin(bureau):
    return make_user("admin_sun", Role.BUREAU_ADMIN, bureau)


def client_for(user) -> Client:
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(user)
    return client


def stored(
    user, data: bytes = PDF, filename: str = "lesson.pdf", filetype: str = PDF_TYPE
) -> Upload:
    """A finished tus upload of ``data`` by ``user`` (the tus path has its own tests)."""
    key = f"uploads/test/{uuid.uuid4().hex}"
    get_storage().put_bytes(key, data)
    return Upload.objects.create(
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


def upload_url(upload: Upload) -> str:
    return f"http://testserver/api/v1/uploads/{upload.pk}"


def source_of(upload: Upload) -> StoredSource:
    return StoredSource(
        key=upload.key,
        sha256=upload.sha256,
        size=upload.length,
        content_type=upload.filetype,
        filename=upload.filename,
    )


@pytest.fixture
def make(teacher, django_capture_on_commit_callbacks):
    """``make(title, state=..., kind=..., data=..., owner=...)``: a resource created the way
    an upload creates it, then moved through the workflow to ``state``."""
    reviewer_holder: dict = {}

    def reviewer():
        if "user" not in reviewer_holder:
            unit = teacher.org_unit
            reviewer_holder["user"] = make_user("reviewer_auto", Role.SCHOOL_REVIEWER, unit)
        return reviewer_holder["user"]

    def build(
        title: str,
        *,
        state: str = "draft",
        kind: str = "courseware",
        data: bytes | None = None,
        filename: str = "lesson.pdf",
        filetype: str = PDF_TYPE,
        owner=None,
        **fields,
    ) -> Resource:
        owner = owner or teacher
        data = data if data is not None else PDF + title.encode()
        upload = stored(owner, data, filename, filetype)
        with django_capture_on_commit_callbacks(execute=True):
            resource = catalog_actions.create_resource(
                owner, source=source_of(upload), title=title, kind=kind, **fields
            )
        if state == "draft":
            return resource
        transitions.submit(owner, resource)
        if state == "in_review":
            return resource
        if state == "changes_requested":
            transitions.request_changes(reviewer(), resource, "请把第三页的错别字改正。")
        elif state == "published":
            transitions.approve(reviewer(), resource)
        elif state == "withdrawn":
            transitions.withdraw(owner, resource)
        elif state == "removed":
            catalog_actions.delete_resource(owner, resource)
        resource.refresh_from_db()
        return resource

    return build
