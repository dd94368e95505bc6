"""Malformed books are refused with their reason and leave no rows and no objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import Blob, Resource, ResourceFile, ResourceText
from ebooks import ingest
from ebooks.models import EBook
from ebooks.parse import IngestError
from edu_portal.storage import get_storage
from tests.ebooks.conftest import (
    make_empty,
    make_encrypted_pdf,
    make_epub_without_opf,
    make_not_a_zip,
    make_traversal_epub,
    make_zip_bomb_epub,
)


def broken_zip(path: Path) -> Path:
    from tests.ebooks.conftest import make_epub3

    data = make_epub3(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def missing_opf_target(path: Path) -> Path:
    return make_epub_without_opf(path, container=True)


CASES = [
    ("not-a-zip.epub", make_not_a_zip, "bad_zip"),
    ("truncated.epub", broken_zip, "bad_zip"),
    ("no-container.epub", make_epub_without_opf, "missing_opf"),
    ("no-opf.epub", missing_opf_target, "missing_opf"),
    ("bomb.epub", make_zip_bomb_epub, "zip_bomb"),
    ("traversal.epub", make_traversal_epub, "unsafe_path"),
    ("locked.pdf", make_encrypted_pdf, "encrypted"),
    ("empty.txt", make_empty, "empty"),
    ("empty.epub", make_empty, "empty"),
]


def snapshot() -> tuple:
    keys = sorted(info.key for info in get_storage().list(""))
    counts = tuple(
        model.objects.count() for model in (Blob, Resource, ResourceFile, ResourceText, EBook)
    )
    return keys, counts


@pytest.mark.parametrize(("name", "make", "code"), CASES, ids=[c[0] for c in CASES])
def test_refused_with_reason_and_nothing_left(tmp_path, teacher, name, make, code):
    path = make(tmp_path / name)
    before = snapshot()
    with pytest.raises(IngestError) as caught:
        ingest.ingest_file(path, owner=teacher)
    assert caught.value.code == code
    assert str(caught.value.reason) == str(IngestError.MESSAGES[code])
    assert snapshot() == before


def test_failure_inside_the_transaction_removes_new_objects(tmp_path, teacher, monkeypatch):
    from tests.ebooks.conftest import make_epub3

    prepared = ingest.prepare(make_epub3(tmp_path / "book.epub"))
    before = snapshot()

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest.ResourceText.objects, "create", boom)
    with pytest.raises(RuntimeError):
        ingest.commit(prepared, owner=teacher)
    assert snapshot() == before


def test_existing_objects_are_not_removed_on_failure(tmp_path, teacher, monkeypatch):
    """A cover shared with a book already stored stays when a later ingest fails."""
    from tests.ebooks.conftest import BOOK, make_epub3

    first = ingest.ingest_file(make_epub3(tmp_path / "a.epub"), owner=teacher)
    cover_key = first.ebook.cover.key
    other = make_epub3(tmp_path / "b.epub", {"title": "另一本书", "isbn": BOOK["isbn"]})
    prepared = ingest.prepare(other)
    monkeypatch.setattr(
        ingest.EBook.objects, "create", lambda **kw: (_ for _ in ()).throw(RuntimeError())
    )
    with pytest.raises(RuntimeError):
        ingest.commit(prepared, owner=teacher)
    storage = get_storage()
    assert storage.exists(cover_key)
    assert not storage.exists(Blob.key_for(prepared.sha256))
