"""``import_ebooks``: a sample library with every kind of book and of malformed file,
duplicates, dry run, re-run without reading, and resume after an interruption."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from catalog.importer_models import ImportRecord
from catalog.models import Resource, ResourceFile
from catalog.taxonomy import Stage
from ebooks import bulk, ingest
from ebooks.bulk import import_ebooks
from ebooks.models import EBook
from tests.ebook_import.conftest import (
    BOOKS,
    COPY,
    EMPTY,
    EPUB2,
    EPUB3,
    HIDDEN,
    HIDDEN_FOLDER,
    MALFORMED,
    PDF,
    THUMBS,
    TXT,
    WORD,
)

pytestmark = pytest.mark.django_db


def read_report(path) -> dict:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["path"]: row for row in csv.DictReader(handle)}


def run(library, tmp_path, owner, name="report.csv", **options):
    options.setdefault("pool", "thread")
    options.setdefault("workers", 3)
    result = import_ebooks(library, owner=owner, report_path=tmp_path / name, **options)
    return result, read_report(tmp_path / name)


def by_filename(name: str) -> Resource:
    return Resource.objects.get(source_filename=name.rsplit("/", 1)[-1])


def test_imports_the_sample_library(library, teacher, tmp_path):
    result, report = run(library, tmp_path, teacher)

    assert {path for path, row in report.items() if row["status"] == "imported"} == set(BOOKS)
    assert result.imported == 4 and not result.interrupted
    original = by_filename(EPUB2)
    assert report[COPY]["status"] == "duplicate"
    assert report[COPY]["reason"] == f"same book as resource {original.pk}"
    assert report[COPY]["resource_id"] == str(original.pk)
    for rel, (code, _data) in MALFORMED.items():
        assert report[rel]["status"] == "failed", rel
        assert report[rel]["reason"].startswith(f"{code}: "), report[rel]
    assert "password or DRM" in report["坏书/加密.pdf"]["reason"]
    assert report[HIDDEN]["status"] == "skipped" and "hidden" in report[HIDDEN]["reason"]
    assert report[HIDDEN_FOLDER]["status"] == "skipped"
    assert "旧书" not in "".join(report)
    assert "system file" in report[THUMBS]["reason"]
    assert "not an e-book (.docx)" in report[WORD]["reason"]
    assert report[EMPTY]["reason"] == "empty file (0 bytes)"
    assert result.count("failed") == len(MALFORMED)
    assert result.files == len(report)
    assert "imported 4," in result.summary() and "books/s" in result.summary()

    assert Resource.objects.filter(kind=Resource.Kind.EBOOK).count() == 4
    assert EBook.objects.count() == 4
    epub2, epub3 = EBook.objects.get(resource=original), by_filename(EPUB3).ebook
    assert (epub2.format, epub2.epub_version, epub2.authors) == ("epub", "2", ["李白"])
    assert (epub3.format, epub3.epub_version) == ("epub", "3")
    assert by_filename(TXT).ebook.format == "txt"
    book = by_filename(PDF)
    assert (book.title, book.ebook.format, book.uploader) == ("勾股定理", "pdf", teacher)
    # Folder names map to the taxonomy as for courseware.
    assert (book.stage, book.grade, book.subject.code) == (Stage.JUNIOR, 8, "math")
    assert (original.stage, original.grade, original.subject.code) == (Stage.PRIMARY, 3, "chinese")
    assert book.state == "published" and book.visibility == "intranet"

    records = {r.path.split(str(library) + "/", 1)[1]: r for r in ImportRecord.objects.all()}
    assert all(r.path.startswith("ebook:/") for r in ImportRecord.objects.all())
    assert records[EPUB2].status == "imported" and records[EPUB2].resource == original
    assert records[COPY].status == "duplicate" and records[COPY].resource == original
    assert records["坏书/损坏.pdf"].status == "failed"
    assert HIDDEN not in records and WORD not in records


def test_process_pool_gives_the_same_result(library, teacher, tmp_path):
    _result, report = run(library, tmp_path, teacher, pool="process", workers=2)
    assert {path for path, row in report.items() if row["status"] == "imported"} == set(BOOKS)
    assert report[COPY]["status"] == "duplicate"
    assert report["坏书/压缩炸弹.epub"]["reason"].startswith("zip_bomb: ")
    assert EBook.objects.count() == 4


def test_dry_run_changes_nothing(library, tmp_path):
    result, report = run(library, tmp_path, None, dry_run=True, keep_rows=True)

    assert {path for path, row in report.items() if row["status"] == "would_import"} == set(BOOKS)
    assert report[COPY]["status"] == "duplicate" and EPUB2 in report[COPY]["reason"]
    assert "stage junior" in report[PDF]["reason"]
    assert result.count("failed") == len(MALFORMED)
    assert len(result.rows) == len(report)
    assert not Resource.objects.exists() and not ImportRecord.objects.exists()
    assert not (tmp_path / "objects").exists() or not any((tmp_path / "objects").rglob("*.*"))


def test_rerun_imports_nothing_and_reads_no_file(library, teacher, tmp_path, monkeypatch):
    run(library, tmp_path, teacher)
    resources = Resource.objects.count()

    def no_reading(*args, **kwargs):
        raise AssertionError("a file was read again")

    monkeypatch.setattr(bulk, "prepare_file", no_reading)
    monkeypatch.setattr(bulk, "read_and_check", no_reading)
    result, report = run(library, tmp_path, teacher, name="again.csv")

    assert result.imported == 0 and Resource.objects.count() == resources
    for rel in BOOKS:
        assert report[rel]["status"] == "already_imported"
        assert report[rel]["reason"] == f"imported before: resource {by_filename(rel).pk}"
    assert report[COPY]["status"] == "already_imported"
    assert report[COPY]["reason"].startswith("duplicate: resource")
    for rel, (code, _data) in MALFORMED.items():
        assert report[rel]["status"] == "failed"
        assert report[rel]["reason"].startswith(f"{code}: ")
        assert report[rel]["reason"].endswith("(unchanged since it failed)")


def test_changed_and_retried_files_are_read_again(library, teacher, tmp_path):
    run(library, tmp_path, teacher)
    fixed = library / "坏书/损坏.pdf"
    from tests.ebook_import import books

    fixed.write_bytes(books.pdf("修好了", n=9))
    result, report = run(library, tmp_path, teacher, name="again.csv", retry_failed=True)
    assert report["坏书/损坏.pdf"]["status"] == "imported"
    assert report["坏书/加密.pdf"]["status"] == "failed"
    assert "unchanged" not in report["坏书/加密.pdf"]["reason"]
    assert result.imported == 1


def test_interrupted_import_leaves_no_half_written_book_and_resumes(
    library, teacher, tmp_path, monkeypatch
):
    real_commit = ingest.commit
    calls = []

    def commit_then_interrupt(prepared, **kwargs):
        calls.append(prepared.path)
        if len(calls) == 3:
            # Ctrl-C in the middle of writing a book: its objects and rows are undone.
            real_commit(prepared, **kwargs)
            raise KeyboardInterrupt
        return real_commit(prepared, **kwargs)

    monkeypatch.setattr(ingest, "commit", commit_then_interrupt)
    result, report = run(library, tmp_path, teacher)
    assert result.interrupted
    assert result.imported == 2
    assert EBook.objects.count() == 2 == Resource.objects.count()
    assert ResourceFile.objects.filter(role="original").count() == 2
    assert ImportRecord.objects.filter(status="imported").count() == 2
    assert "not_done" in {row["status"] for row in report.values()}

    monkeypatch.setattr(ingest, "commit", real_commit)
    result, report = run(library, tmp_path, teacher, name="resumed.csv")
    assert not result.interrupted
    assert result.imported == 2 and result.count("already_imported") == 2
    assert EBook.objects.count() == 4 == Resource.objects.count()
    assert {
        path for path, row in report.items() if row["status"] in ("imported", "already_imported")
    } == set(BOOKS)


def test_command(library, teacher, tmp_path):
    out = io.StringIO()
    report = tmp_path / "cmd.csv"
    call_command(
        "import_ebooks",
        str(library),
        owner=teacher.username,
        report=str(report),
        pool="thread",
        workers=2,
        stdout=out,
    )
    assert "import_ebooks: imported 4, already imported 0, duplicates 1" in out.getvalue()
    assert read_report(report)[COPY]["status"] == "duplicate"
    with pytest.raises(CommandError, match="--owner"):
        call_command("import_ebooks", str(library))
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_ebooks", str(library), owner="nobody")
    out = io.StringIO()
    call_command(
        "import_ebooks", str(library), dry_run=True, report=str(tmp_path / "dry.csv"), stdout=out
    )
    assert "would import 0" in out.getvalue()  # all done already
