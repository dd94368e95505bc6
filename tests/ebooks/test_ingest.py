"""Ingesting real books: resource, files, EBook row, cover, thumbnail, text, duplicates."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from catalog import blobs
from catalog.models import Blob, Resource, ResourceFile, ResourceText
from ebooks import ingest
from ebooks.models import EBook
from ebooks.parse import IngestError
from edu_portal.storage import get_storage
from tests.ebooks.conftest import BOOK, make_epub2, make_epub3, make_pdf, make_txt


@pytest.fixture
def indexed(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", calls.append)
    return calls


def image_of(blob: Blob):
    from PIL import Image

    data = get_storage().get_bytes(blob.key)
    assert len(data) == blob.size
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def check_book(resource: Resource, *, fmt: str, teacher) -> EBook:
    assert resource.kind == Resource.Kind.EBOOK
    assert resource.title == BOOK["title"]
    assert resource.description == BOOK["description"]
    assert resource.status == Resource.Status.READY
    assert resource.state == "published" and resource.published_at is not None
    assert resource.uploader == teacher and resource.org_unit == teacher.org_unit
    book = EBook.objects.get(resource=resource)
    assert book.format == fmt
    assert book.authors == BOOK["authors"]
    assert book.publisher == BOOK["publisher"]
    assert book.language == "zh-CN"
    assert book.isbn == BOOK["isbn"]
    assert book.subjects == BOOK["subjects"]
    assert book.issued == "2019-08-01"
    assert book.chapter_count == 3
    assert [entry["title"] for entry in book.toc] == [t for t, _b in BOOK["chapters"]]
    original = ResourceFile.objects.get(resource=resource, role=ResourceFile.Role.ORIGINAL)
    assert original.blob.key == resource.source_key
    assert get_storage().exists(original.blob.key)
    text = ResourceText.objects.get(resource=resource).text
    assert "春眠不觉晓" in text and "霜叶红于二月花" in text
    thumbnail = image_of(book.thumbnail)
    assert thumbnail.format == "JPEG" and thumbnail.height == 300
    assert book.thumbnail.content_type == "image/jpeg"
    return book


@pytest.mark.parametrize(("make", "version", "cover_type"), [
    (make_epub2, "2", "image/jpeg"),
    (make_epub3, "3", "image/png"),
])  # fmt: skip
def test_epub(tmp_path, teacher, indexed, django_capture_on_commit_callbacks, make, version,
              cover_type):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        resource = ingest.ingest_file(make(tmp_path / "书.epub"), owner=teacher)
    book = check_book(resource, fmt="epub", teacher=teacher)
    assert book.epub_version == version
    assert book.page_count is None
    assert book.toc[0]["href"] == "OEBPS/text/c1.xhtml"
    assert book.cover.content_type == cover_type
    cover = image_of(book.cover)
    assert cover.size == (600, 900)  # the original image, as it was
    assert image_of(book.thumbnail).size == (200, 300)
    assert resource.preview_state == Resource.Preview.NONE
    assert resource.source_filename == "书.epub"
    assert resource.files.get(role="original").blob.content_type == "application/epub+zip"
    assert not resource.files.filter(role="preview").exists()
    assert indexed == [resource.pk]


def test_pdf(tmp_path, teacher, indexed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resource = ingest.ingest_file(make_pdf(tmp_path / "book.pdf"), owner=teacher)
    book = check_book(resource, fmt="pdf", teacher=teacher)
    assert book.epub_version == ""
    assert book.page_count == 4
    assert [entry["page"] for entry in book.toc] == [2, 3, 4]
    cover = image_of(book.cover)
    assert cover.format == "JPEG" and abs(cover.height - 1000) <= 1
    assert cover.width < cover.height  # an A4/Letter page, upright
    assert resource.preview_state == Resource.Preview.READY
    original = resource.files.get(role="original")
    preview = resource.files.get(role="preview")
    assert preview.blob == original.blob and original.blob.content_type == "application/pdf"
    assert indexed == [resource.pk]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_txt(tmp_path, teacher, encoding):
    resource = ingest.ingest_file(make_txt(tmp_path / "语文读本.txt", encoding=encoding),
                                  owner=teacher)  # fmt: skip
    assert resource.title == "语文读本"
    book = resource.ebook
    assert book.format == "txt"
    assert book.isbn == BOOK["isbn"] and book.language == "zh"
    assert book.chapter_count == 3
    assert book.cover is None and book.thumbnail is None
    assert "春眠不觉晓" in resource.text.text
    assert resource.preview_state == Resource.Preview.NONE


def test_options_collection_visibility_state_taxonomy_tags(tmp_path, teacher):
    from catalog.taxonomy import Collection

    collection = Collection.objects.create(name="县图书馆赠书")
    resource = ingest.ingest_file(
        make_epub3(tmp_path / "b.epub"),
        owner=teacher,
        collection=collection,
        visibility="public",
        state="draft",
        taxonomy={"grade": 3},
        tags=["课外阅读", "古诗"],
    )
    resource.refresh_from_db()
    assert resource.collection == collection
    assert resource.visibility == "public"
    assert resource.state == "draft" and resource.published_at is None
    assert resource.grade == 3 and resource.stage == "primary"
    assert sorted(tag.name for tag in resource.tags.all()) == ["古诗", "课外阅读"]


def test_duplicate_is_refused_naming_the_existing_resource(tmp_path, teacher):
    path = make_epub3(tmp_path / "b.epub")
    first = ingest.ingest_file(path, owner=teacher)
    counts = (Resource.objects.count(), Blob.objects.count())
    with pytest.raises(IngestError) as caught:
        ingest.ingest_file(path, owner=teacher)
    assert caught.value.code == "duplicate"
    assert caught.value.params == {"id": first.pk}
    assert str(first.pk) in caught.value.reason
    # Also when both were prepared before either was committed.
    copy = tmp_path / "copy.epub"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(IngestError):
        ingest.prepare(copy)
    assert (Resource.objects.count(), Blob.objects.count()) == counts


def test_duplicate_checked_again_at_commit(tmp_path, teacher):
    path = make_pdf(tmp_path / "b.pdf")
    one, two = ingest.prepare(path), ingest.prepare(path)
    first = ingest.commit(one, owner=teacher)
    with pytest.raises(IngestError) as caught:
        ingest.commit(two, owner=teacher)
    assert caught.value.params == {"id": first.pk}
    assert Resource.objects.filter(kind="ebook").count() == 1


def test_same_file_as_a_non_ebook_resource_is_not_a_duplicate(tmp_path, teacher):
    path = make_pdf(tmp_path / "b.pdf")
    blob = blobs.blob_row(blobs.sha256_of(path), path.stat().st_size, "application/pdf")
    doc = Resource.objects.create(title="讲义", kind="document", uploader=teacher)
    ResourceFile.objects.create(resource=doc, blob=blob, role="original", filename="b.pdf")
    resource = ingest.ingest_file(path, owner=teacher)
    assert resource.files.get(role="original").blob == blob


def test_prepare_has_no_side_effects_and_commit_is_atomic(tmp_path, teacher):
    prepared = ingest.prepare(make_epub2(tmp_path / "b.epub"))
    assert prepared.sha256 == blobs.sha256_of(prepared.path)
    assert prepared.content_type == "application/epub+zip"
    assert list(get_storage().list("")) == []
    assert Blob.objects.count() == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        ingest.commit(prepared, owner=teacher)
        raise RuntimeError  # the caller's transaction rolls back: the rows go with it
    assert Resource.objects.count() == 0 and EBook.objects.count() == 0


def test_prepare_in_threads(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    paths = [make_pdf(tmp_path / f"b{i}.pdf", {"title": f"第{i}册"}) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        infos = list(pool.map(lambda p: ingest.read_book(p), paths))
    assert [info.title for info in infos] == [f"第{i}册" for i in range(4)]
    assert all(info.cover is not None for info in infos)


def test_prepare_without_duplicate_check_leaves_it_to_commit(tmp_path, teacher):
    path = make_epub3(tmp_path / "b.epub")
    first = ingest.ingest_file(path, owner=teacher)
    prepared = ingest.prepare(path, check_duplicate=False)
    assert prepared.info.title == BOOK["title"]
    with pytest.raises(IngestError) as caught:
        ingest.commit(prepared, owner=teacher)
    assert caught.value.params == {"id": first.pk}


def test_filename_given_to_prepare_names_the_file(tmp_path, teacher):
    path = make_txt(tmp_path / "tmp123.txt")
    resource = ingest.ingest_file(path, owner=teacher, filename="三年级读本.txt")
    assert resource.title == "三年级读本"
    assert resource.source_filename == "三年级读本.txt"
    assert resource.files.get(role="original").filename == "三年级读本.txt"
