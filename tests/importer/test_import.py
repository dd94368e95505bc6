"""The bulk import of a sample archive: taxonomy from folder names, duplicates stored
once, broken and unwanted files reported, dry run, re-run and resume after interruption."""

from __future__ import annotations

import csv
import os
import time

import pytest
from auditlog.models import LogEntry

from catalog import blobs
from catalog.importer import Importer, ImportResult, run_import
from catalog.importer_models import ImportRecord
from catalog.models import Blob, Resource, ResourceFile, Tag
from catalog.taxonomy import Stage
from edu_portal.workflow.models import State
from media_pipeline.processing.models import ProcessingJob
from tests.importer.conftest import (
    BROKEN_DOCX,
    BROKEN_PDF,
    COPY,
    EMPTY,
    HIDDEN,
    IMPORTABLE,
    LESSON_PLAN,
    LINK,
    PAPER,
    PHYSICS,
    POEM,
    PROGRAM,
    SLIDES,
    THUMBS,
    VIDEO,
)

pytestmark = pytest.mark.django_db


def rows_by_path(result: ImportResult) -> dict:
    return {row.path: row for row in result.rows}


def by_filename(name: str) -> Resource:
    return Resource.objects.get(source_filename=name.rsplit("/", 1)[-1])


def test_imports_the_sample_tree(archive, teacher, tmp_path):
    report = tmp_path / "report.csv"
    result = run_import(archive, owner=teacher, workers=3, report_path=report)

    rows = rows_by_path(result)
    imported = {path for path, row in rows.items() if row.status == "imported"}
    # The copy sorts first (中 before 初), so it is the one imported; the other is a duplicate.
    assert imported == {*IMPORTABLE, COPY} - {PAPER}
    assert rows[PAPER].status == "duplicate"
    assert rows[PAPER].resource_id == by_filename(COPY).pk
    assert f"same content as resource {by_filename(COPY).pk}" in rows[PAPER].reason
    assert rows[BROKEN_PDF].status == "failed"
    assert "not really a PDF file" in rows[BROKEN_PDF].reason
    assert rows[BROKEN_DOCX].status == "failed"
    assert "not really a Word file" in rows[BROKEN_DOCX].reason
    assert (rows[EMPTY].status, rows[EMPTY].reason) == ("skipped", "empty file (0 bytes)")
    assert rows[PROGRAM].status == "failed"
    assert rows[PROGRAM].reason == "unsupported file type (.exe)"
    assert rows[HIDDEN].status == "skipped" and "hidden" in rows[HIDDEN].reason
    assert rows[THUMBS].status == "skipped" and "system file" in rows[THUMBS].reason
    assert rows[LINK].status == "skipped" and "outside" in rows[LINK].reason
    assert len(result.rows) == 14
    assert Resource.objects.count() == 6

    plan = by_filename(LESSON_PLAN)
    assert plan.kind == Resource.Kind.LESSON_PLAN
    assert plan.title == "勾股定理教案"
    assert (plan.stage, plan.grade, plan.subject.code, plan.edition.code) == (
        Stage.JUNIOR,
        8,
        "math",
        "pep",
    )
    assert list(plan.tags.values_list("name", flat=True)) == ["第一单元 勾股定理"]
    assert plan.state == State.PUBLISHED and plan.published_at is not None
    assert plan.uploader == teacher and plan.org_unit == teacher.org_unit
    assert plan.status == Resource.Status.READY
    assert plan.preview_state == Resource.Preview.PENDING
    original = ResourceFile.objects.get(resource=plan)
    assert original.role == ResourceFile.Role.ORIGINAL
    assert original.blob.sha256 == plan.source_sha256
    entries = LogEntry.objects.filter(object_pk=str(plan.pk), actor=teacher)
    assert {"imported": [None, LESSON_PLAN]} in [entry.changes for entry in entries]

    slides = by_filename(SLIDES)
    assert (slides.kind, slides.title) == (Resource.Kind.COURSEWARE, "勾股定理 第1课时")
    poem = by_filename(POEM)
    assert (poem.kind, poem.stage, poem.grade, poem.subject.code) == (
        "document",
        "primary",
        3,
        "chinese",
    )
    physics = by_filename(PHYSICS)
    assert (physics.collection.slug, physics.stage, physics.grade) == ("ncet", "senior", 11)
    assert physics.subject.code == "physics"
    assert by_filename(COPY).collection.slug == "ncet"
    video = by_filename(VIDEO)
    assert video.kind == Resource.Kind.VIDEO and video.status == Resource.Status.UPLOADED
    assert ProcessingJob.objects.filter(resource=video).count() == 1

    # The two identical PDFs are stored once; every stored file is one blob.
    assert Blob.objects.filter(sha256=by_filename(COPY).source_sha256).count() == 1
    assert Blob.objects.count() == 6
    assert (tmp_path / "objects" / Blob.key_for(by_filename(COPY).source_sha256)).exists()

    with report.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert set(lines[0]) == {"path", "status", "reason", "resource_id"}
    assert {line["path"]: line["status"] for line in lines}[BROKEN_PDF] == "failed"
    assert len(lines) == len(result.rows)
    assert ImportRecord.objects.filter(status="imported").count() == 6
    summary = result.summary()
    assert "imported 6" in summary and "duplicates 1" in summary and "files/s" in summary


def test_dry_run_changes_nothing(archive, tmp_path):
    before = (Resource.objects.count(), Blob.objects.count(), Tag.objects.count())
    entries = LogEntry.objects.count()  # the portal's rights, set up at migrate, are logged
    report = tmp_path / "dry.csv"
    result = run_import(archive, dry_run=True, report_path=report)

    rows = rows_by_path(result)
    assert rows[LESSON_PLAN].status == "would_import"
    assert "lesson_plan" in rows[LESSON_PLAN].reason and "数学" in rows[LESSON_PLAN].reason
    assert rows[PAPER].status == "duplicate"  # found by hashing, even in a dry run
    assert rows[BROKEN_PDF].status == "failed"
    assert (Resource.objects.count(), Blob.objects.count(), Tag.objects.count()) == before
    assert not ImportRecord.objects.exists()
    assert LogEntry.objects.count() == entries
    assert not (tmp_path / "objects").exists()
    assert report.exists()


def test_rerun_skips_everything_without_reading_files(archive, teacher, monkeypatch):
    run_import(archive, owner=teacher)
    count = Resource.objects.count()
    hashed = []
    real = blobs.sha256_of
    monkeypatch.setattr(blobs, "sha256_of", lambda path: hashed.append(path) or real(path))

    started = time.perf_counter()
    again = run_import(archive, owner=teacher)
    assert time.perf_counter() - started < 5
    assert hashed == []
    assert Resource.objects.count() == count
    statuses = {row.path: row.status for row in again.rows}
    assert {statuses[path] for path in [*IMPORTABLE, COPY]} == {"already_imported"}
    assert statuses[BROKEN_PDF] == "failed"  # still reported, checked again (cheaply)
    assert again.imported == 0


def test_a_changed_file_is_imported_again_and_an_unchanged_copy_is_not(
    archive, teacher, monkeypatch
):
    run_import(archive, owner=teacher)
    (archive / POEM).write_bytes("春眠不觉晓，处处闻啼鸟。\n".encode("gb18030"))
    result = run_import(archive, owner=teacher)
    rows = rows_by_path(result)
    assert rows[POEM].status == "imported"
    assert Resource.objects.filter(source_filename=POEM.rsplit("/", 1)[-1]).count() == 2


def test_an_interrupted_import_resumes_without_duplicates(archive, teacher, monkeypatch):
    calls = []
    real = Importer._create

    def interrupt_on_third(self, *args, **kwargs):
        calls.append(args[0].rel)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Importer, "_create", interrupt_on_third)
    first = run_import(archive, owner=teacher, workers=2)
    assert first.interrupted
    assert Resource.objects.count() == 2  # the third was rolled back whole
    assert not Resource.objects.filter(source_filename=calls[2].rsplit("/", 1)[-1]).exists()
    assert first.count("not_done") > 0
    assert "not done" in first.summary()

    monkeypatch.setattr(Importer, "_create", real)
    second = run_import(archive, owner=teacher, workers=2)
    assert not second.interrupted
    assert second.count("not_done") == 0
    assert second.count("already_imported") == 2
    assert Resource.objects.count() == 6
    shas = list(Resource.objects.values_list("source_sha256", flat=True))
    assert len(shas) == len(set(shas))
    assert ResourceFile.objects.count() == 6


def test_an_interruption_in_a_worker_thread_stops_cleanly(archive, teacher, monkeypatch):
    real = blobs.sha256_of
    seen = []

    def interrupt(path):
        seen.append(path)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real(path)

    monkeypatch.setattr(blobs, "sha256_of", interrupt)
    first = run_import(archive, owner=teacher, workers=1)
    assert first.interrupted and Resource.objects.count() == 1
    monkeypatch.setattr(blobs, "sha256_of", real)
    run_import(archive, owner=teacher)
    assert Resource.objects.count() == 6


def test_draft_state_and_defaults_from_options(archive, teacher):
    run_import(archive, owner=teacher, state="draft", collection="local", visibility="staff")
    plan = by_filename(LESSON_PLAN)
    assert plan.state == State.DRAFT and plan.published_at is None
    assert (plan.collection.slug, plan.visibility) == ("local", "staff")
    # A folder naming a collection wins over the default.
    assert by_filename(PHYSICS).collection.slug == "ncet"


def test_owner_is_required_unless_dry_run(archive):
    from catalog.importer import ImportAbort

    with pytest.raises(ImportAbort, match="owner"):
        run_import(archive)
    with pytest.raises(ImportAbort, match="not a folder"):
        run_import(archive / "nope", dry_run=True)


def test_gbk_file_names_from_windows_are_read_as_chinese(tmp_path, teacher):
    from tests.importer.conftest import PDF

    root = tmp_path / "tree"
    folder = os.fsencode(root) + b"/" + "初中数学".encode("gbk")
    os.makedirs(folder)
    with open(folder + b"/" + "期中试卷_2023.pdf".encode("gbk"), "wb") as handle:
        handle.write(PDF)

    result = run_import(root, owner=teacher)
    assert [(row.path, row.status) for row in result.rows] == [
        ("初中数学/期中试卷_2023.pdf", "imported")
    ]
    resource = Resource.objects.get()
    assert (resource.title, resource.source_filename) == ("期中试卷 2023", "期中试卷_2023.pdf")
    assert (resource.stage, resource.subject.code) == ("junior", "math")
    again = run_import(root, owner=teacher)
    assert again.rows[0].status == "already_imported"


def test_upper_case_extensions_and_names_without_one(tmp_path, teacher):
    from tests.importer.conftest import PDF, write

    root = tmp_path / "tree"
    write(root, "讲义.PDF", PDF)
    write(root, "README", b"hello")
    rows = {row.path: row for row in run_import(root, owner=teacher).rows}
    assert rows["讲义.PDF"].status == "imported"
    assert (rows["README"].status, rows["README"].reason) == (
        "failed",
        "unsupported file type (no extension)",
    )
