"""Books uploaded through the upload page: ingested from their stored original."""

from __future__ import annotations

import hashlib

import pytest

from catalog.models import Blob, Resource, ResourceFile, ResourceText
from ebooks import ingest, tasks
from ebooks.models import EBook
from edu_portal.storage import get_storage
from tests.ebooks.conftest import BOOK, make_epub3, make_pdf, make_zip_bomb_epub


def uploaded(teacher, path, *, kind="ebook", title="老师填写的标题") -> Resource:
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    get_storage().put_bytes(Blob.key_for(sha256), data)
    blob = Blob.objects.create(
        sha256=sha256, size=len(data), content_type="application/octet-stream",
        key=Blob.key_for(sha256),
    )  # fmt: skip
    resource = Resource.objects.create(
        title=title, kind=kind, uploader=teacher, source_key=blob.key, status="ready"
    )
    ResourceFile.objects.create(resource=resource, blob=blob, role="original", filename=path.name)
    return resource


@pytest.mark.parametrize("make", [make_epub3, make_pdf])
def test_fills_ebook_text_and_cover_and_is_idempotent(tmp_path, teacher, make):
    suffix = ".epub" if make is make_epub3 else ".pdf"
    resource = uploaded(teacher, make(tmp_path / f"上传{suffix}"))
    assert ingest.ingest_resource(resource.pk) == "ingested"
    book = EBook.objects.get(resource=resource)
    assert book.isbn == BOOK["isbn"] and book.authors == BOOK["authors"]
    assert book.cover is not None and book.thumbnail is not None
    assert "春眠不觉晓" in ResourceText.objects.get(resource=resource).text
    resource.refresh_from_db()
    assert resource.title == "老师填写的标题"  # what the teacher typed is kept
    assert resource.description == BOOK["description"]  # empty before: filled
    state = (
        list(EBook.objects.values("cover", "thumbnail", "isbn", "toc")),
        Blob.objects.count(),
        sorted(i.key for i in get_storage().list("")),
    )
    assert ingest.ingest_resource(resource.pk) == "ingested"
    assert EBook.objects.filter(resource=resource).count() == 1
    assert ResourceText.objects.filter(resource=resource).count() == 1
    assert (
        list(EBook.objects.values("cover", "thumbnail", "isbn", "toc")),
        Blob.objects.count(),
        sorted(i.key for i in get_storage().list("")),
    ) == state


def test_bad_file_gives_its_code_and_no_ebook(tmp_path, teacher):
    resource = uploaded(teacher, make_zip_bomb_epub(tmp_path / "bomb.epub", megabytes=70))
    assert ingest.ingest_resource(resource.pk) == "zip_bomb"
    assert not EBook.objects.filter(resource=resource).exists()


def test_other_kinds_and_missing_resources_are_skipped(tmp_path, teacher):
    resource = uploaded(teacher, make_pdf(tmp_path / "讲义.pdf"), kind="document")
    assert ingest.ingest_resource(resource.pk) == "skipped"
    assert ingest.ingest_resource(999999) == "skipped"
    assert EBook.objects.count() == 0


def test_task_runs_after_commit(tmp_path, teacher, django_capture_on_commit_callbacks):
    resource = uploaded(teacher, make_epub3(tmp_path / "b.epub"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.enqueue_ingest(resource.pk)
    assert callbacks
    assert EBook.objects.filter(resource=resource).exists()
