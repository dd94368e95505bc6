"""build_preview end to end against the filesystem store: the ORIGINAL file of a resource
becomes a PREVIEW file and extracted text, runs twice without doing anything twice, and
fails cleanly, leaving no Blob and no object behind."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from catalog.models import Blob, Resource, ResourceFile, ResourceText
from catalog.previews import services, tasks
from edu_portal.storage import get_storage
from tests.previews.conftest import DOCX_WORDS, EPUB_WORDS, PPTX_WORDS, needs_soffice

Preview = Resource.Preview


@pytest.fixture
def indexed(monkeypatch) -> list[int]:
    """Resources handed to the search indexer."""
    calls: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", calls.append)
    return calls


def store(data: bytes, content_type: str) -> Blob:
    sha256 = hashlib.sha256(data).hexdigest()
    key = Blob.key_for(sha256)
    get_storage().put_bytes(key, data, content_type=content_type)
    return Blob.objects.create(sha256=sha256, size=len(data), content_type=content_type, key=key)


def resource_with(teacher, path: Path, content_type: str = "application/octet-stream"):
    resource = Resource.objects.create(
        title=path.stem, kind="courseware", uploader=teacher, org_unit=teacher.org_unit
    )
    ResourceFile.objects.create(
        resource=resource,
        blob=store(path.read_bytes(), content_type),
        role=ResourceFile.Role.ORIGINAL,
        filename=path.name,
    )
    return resource


def stored_keys() -> set[str]:
    return {info.key for info in get_storage().list("blobs/")}


def preview_of(resource: Resource) -> ResourceFile:
    return ResourceFile.objects.get(resource=resource, role=ResourceFile.Role.PREVIEW)


@needs_soffice
@pytest.mark.parametrize(("kind", "words"), [("docx", DOCX_WORDS), ("pptx", PPTX_WORDS)])
def test_office_original_gets_a_pdf_preview_and_text(teacher, samples, indexed, kind, words):
    resource = resource_with(teacher, samples[kind])

    outcome = services.build_preview(resource.pk)

    assert outcome.state == Preview.READY
    resource.refresh_from_db()
    assert resource.preview_state == Preview.READY
    preview = preview_of(resource)
    assert preview.filename == f"{samples[kind].stem}.pdf"
    assert preview.blob.content_type == "application/pdf"
    pdf = get_storage().get_bytes(preview.blob.key)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == preview.blob.sha256 == preview.blob.key[-64:]
    text = ResourceText.objects.get(resource=resource).text
    for word in words:
        assert word in text
    assert indexed == [resource.pk]


@needs_soffice
def test_running_twice_changes_nothing(teacher, samples, indexed):
    resource = resource_with(teacher, samples["docx"])
    services.build_preview(resource.pk)
    before = (Blob.objects.count(), ResourceFile.objects.count(), stored_keys())

    assert services.build_preview(resource.pk).state == Preview.READY

    assert (Blob.objects.count(), ResourceFile.objects.count(), stored_keys()) == before
    assert ResourceText.objects.filter(resource=resource).count() == 1
    assert indexed == [resource.pk]


@needs_soffice
def test_identical_preview_reuses_the_blob(teacher, samples, tmp_path):
    pdf = tmp_path / "preview.pdf"
    pdf.write_bytes(b"%PDF-1.4 same bytes")
    first = services.store_blob(pdf, "application/pdf")
    second = services.store_blob(pdf, "application/pdf")
    assert first.pk == second.pk
    assert Blob.objects.filter(sha256=first.sha256).count() == 1


def test_pdf_original_is_its_own_preview(teacher, pdf_samples, indexed):
    resource = resource_with(teacher, pdf_samples["pdf"], "application/pdf")
    original = ResourceFile.objects.get(resource=resource)
    blobs = Blob.objects.count()

    assert services.build_preview(resource.pk).state == Preview.READY

    assert preview_of(resource).blob_id == original.blob_id
    # No PDF copy: the one new Blob is the first page's list thumbnail.
    assert Blob.objects.count() == blobs + 1
    thumbnail = ResourceFile.objects.get(resource=resource, role=ResourceFile.Role.THUMBNAIL)
    assert thumbnail.blob.content_type == "image/jpeg"
    assert DOCX_WORDS[0] in resource.text.text


def test_epub_gives_text_but_no_pdf_preview(teacher, samples, indexed):
    resource = resource_with(teacher, samples["epub"], "application/epub+zip")

    assert services.build_preview(resource.pk).state == Preview.NONE

    assert not ResourceFile.objects.filter(role=ResourceFile.Role.PREVIEW).exists()
    for word in EPUB_WORDS:
        assert word in ResourceText.objects.get(resource=resource).text
    assert indexed == [resource.pk]


def test_gb18030_text_file_gives_text(teacher, samples, indexed):
    resource = resource_with(teacher, samples["txt_gb18030"], "text/plain")
    assert services.build_preview(resource.pk).state == Preview.NONE
    assert "床前明月光" in ResourceText.objects.get(resource=resource).text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("broken.docx", b"PK\x03\x04 not really a zip", "damaged"),
        ("broken.pdf", b"%PDF-1.7\n no objects at all", "damaged"),
        ("page.ppt", b"<html>renamed page</html>", "damaged"),
    ],
)
def test_damaged_original_fails_and_leaves_nothing(teacher, tmp_path, indexed, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    resource = resource_with(teacher, path)
    blobs, keys = Blob.objects.count(), stored_keys()

    outcome = services.build_preview(resource.pk)

    assert outcome.state == Preview.FAILED
    assert reason in outcome.reason
    resource.refresh_from_db()
    assert resource.preview_state == Preview.FAILED
    assert (Blob.objects.count(), stored_keys()) == (blobs, keys)
    assert not ResourceFile.objects.filter(role=ResourceFile.Role.PREVIEW).exists()
    assert not ResourceText.objects.exists()
    assert indexed == []


def test_password_protected_pdf_fails_with_that_reason(teacher, pdf_samples, indexed):
    resource = resource_with(teacher, pdf_samples["pdf_locked"], "application/pdf")
    outcome = services.build_preview(resource.pk)
    assert outcome.state == Preview.FAILED
    assert "password" in outcome.reason
    assert not ResourceFile.objects.filter(role=ResourceFile.Role.PREVIEW).exists()


@pytest.mark.parametrize("hostile", ["bomb", "traversal"])
def test_hostile_archive_fails_before_libreoffice_and_leaves_nothing(
    teacher, tmp_path, indexed, monkeypatch, hostile
):
    from tests.previews.conftest import make_traversal_zip, make_zip_bomb

    def no_libreoffice(*args, **kwargs):
        raise AssertionError("LibreOffice must not see this file")

    monkeypatch.setattr(services.convert.subprocess, "Popen", no_libreoffice)
    path = tmp_path / f"{hostile}.docx"
    make_zip_bomb(path, megabytes=300) if hostile == "bomb" else make_traversal_zip(path)
    resource = resource_with(teacher, path)
    blobs, keys = Blob.objects.count(), stored_keys()

    outcome = services.build_preview(resource.pk)

    assert outcome.state == Preview.FAILED
    assert ("too large" if hostile == "bomb" else "unsafe") in outcome.reason
    assert (Blob.objects.count(), stored_keys()) == (blobs, keys)


def test_missing_original_object_fails(teacher, samples, indexed):
    resource = resource_with(teacher, samples["docx"])
    get_storage().delete(ResourceFile.objects.get(resource=resource).blob.key)
    outcome = services.build_preview(resource.pk)
    assert outcome.state == Preview.FAILED
    assert "missing" in outcome.reason


def test_resource_without_original_has_no_preview(teacher):
    resource = Resource.objects.create(
        title="空", kind="courseware", uploader=teacher, org_unit=teacher.org_unit
    )
    assert services.build_preview(resource.pk).state == Preview.NONE


def test_enqueue_sends_the_task_after_commit(
    teacher, samples, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.build_preview_task, "delay", lambda *a, **kw: sent.append((a, kw)))
    resource = resource_with(teacher, samples["docx"])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_preview(resource.pk)
        assert sent == []
    assert sent == [((resource.pk,), {"force": False})]
    resource.refresh_from_db()
    assert resource.preview_state == Preview.PENDING


@needs_soffice
def test_task_runs_the_service(teacher, samples, indexed):
    resource = resource_with(teacher, samples["pptx"])
    assert tasks.build_preview_task.apply(args=[resource.pk]).get() == Preview.READY
