"""Folder names → taxonomy: the heuristics, the mapping file, and its errors."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from catalog.importer import MappingError, load_mapping, run_import
from catalog.importer.mapping import Mapping, Resolver, chinese_number
from catalog.models import Resource
from catalog.taxonomy import Edition, Subject, TextbookNode
from tests.importer.conftest import LESSON_PLAN, PDF, POEM, ooxml, write

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "number"), [("一", 1), ("3", 3), ("十", 10), ("十二", 12), ("二十三", 23)]
)
def test_chinese_numbers(text, number):
    assert chinese_number(text) == number


def resolve(*folders: str) -> tuple[dict, list[str]]:
    fields, tags = Resolver(Mapping(), {}).resolve(folders)
    named = {
        key: getattr(value, "code", getattr(value, "slug", value)) for key, value in fields.items()
    }
    return named, tags


@pytest.mark.parametrize(
    ("folders", "expected"),
    [
        (("小学", "三年级", "语文"), {"stage": "primary", "grade": 3, "subject": "chinese"}),
        (("初中", "二年级", "英语"), {"stage": "junior", "grade": 8, "subject": "english"}),
        (("初二物理",), {"grade": 8, "subject": "physics"}),
        (("高三", "思想政治"), {"grade": 12, "subject": "politics"}),
        (("部编版", "道法"), {"edition": "pep", "subject": "morality"}),
        (("北师大版",), {"edition": "bnu"}),
        (("名师讲评",), {"collection": "masters"}),
    ],
)
def test_heuristics(folders, expected):
    fields, _tags = resolve(*folders)
    assert {key: fields[key] for key in expected} == expected


def test_unmapped_folders_become_tags_and_the_outer_folder_decides():
    fields, tags = resolve("初中", "数学", "期末复习", "化学与生活", "上册")
    assert fields["subject"] == "math"
    assert tags == ["上册", "期末复习", "化学与生活"]


def test_a_unit_folder_finds_the_textbook_node(archive, teacher):
    common = {
        "edition": Edition.objects.get(code="pep"),
        "subject": Subject.objects.get(code="math"),
        "grade": 8,
    }
    book = TextbookNode.add_root(kind="book", name="八年级下册", **common)
    unit = book.add_child(kind="unit", name="第十七章 勾股定理 第1单元", **common)
    book.add_child(kind="unit", name="第二单元 平行四边形", **common)
    run_import(archive, owner=teacher)
    plan = Resource.objects.get(source_filename=LESSON_PLAN.rsplit("/", 1)[-1])
    assert plan.textbook_node == unit
    assert list(plan.tags.all()) == []  # the unit folder mapped, so it is not a tag


MAPPING = """
[defaults]
collection = "local"

[folders."人教版"]
edition = "bnu"
tags = ["教材"]

[paths."初中/八年级/数学"]
collection = "masters"
visibility = "public"
tags = ["示范"]

[paths."小学"]
stage = "primary"
grade = 4
subject = "math"
kind = "exercise"
"""


def test_a_mapping_file_overrides_the_heuristics(archive, teacher, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    run_import(archive, owner=teacher, mapping=mapping)
    plan = Resource.objects.get(source_filename=LESSON_PLAN.rsplit("/", 1)[-1])
    assert (plan.edition.code, plan.collection.slug, plan.visibility) == (
        "bnu",
        "masters",
        "public",
    )
    assert (plan.stage, plan.grade, plan.subject.code) == ("junior", 8, "math")
    assert set(plan.tags.values_list("name", flat=True)) == {"教材", "示范", "第一单元 勾股定理"}
    poem = Resource.objects.get(source_filename=POEM.rsplit("/", 1)[-1])
    assert (poem.grade, poem.subject.code, poem.kind) == (4, "math", "exercise")
    assert poem.collection.slug == "local"


def test_a_json_mapping_works_too(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"folders": {"微课": {"kind": "video", "grade": 7}}}))
    mapping = load_mapping(path)
    assert mapping.folders["微课"] == {"kind": "video", "grade": 7}


def test_a_media_kind_is_not_forced_on_a_document(tmp_path, teacher):
    root = tmp_path / "tree"
    write(root, "微课/讲义.pdf", PDF)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[folders."微课"]\nkind = "video"\n', encoding="utf-8")
    result = run_import(root, owner=teacher, mapping=mapping)
    assert Resource.objects.get().kind == "document"
    assert "does not fit" in result.rows[0].reason


def test_a_bad_mapping_stops_before_anything_is_imported(archive, teacher, tmp_path):
    mapping = tmp_path / "bad.toml"
    mapping.write_text(
        '[paths."初中"]\nsubject = "maths"\ngrade = 13\n'
        '[folders."x"]\ncollection = "nope"\ncolour = "red"\n[extra]\n',
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as caught:
        run_import(archive, owner=teacher, mapping=mapping)
    message = str(caught.value)
    assert "subject 'maths' is not valid" in message and "math" in message
    assert "grade 13" in message
    assert "collection 'nope' is not valid" in message and "ncet" in message
    assert "unknown field 'colour'" in message
    assert "unknown section [extra]" in message
    assert not Resource.objects.exists()

    mapping.write_text("this is = not toml [", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid"):
        load_mapping(mapping)


def test_the_command(archive, teacher, tmp_path, capsys):
    report = tmp_path / "report.csv"
    call_command(
        "import_resources", str(archive), owner=teacher.username, report=str(report), workers=2
    )
    out = capsys.readouterr().out
    assert "imported 6" in out and "failed 3" in out and str(report) in out
    assert Resource.objects.count() == 6

    call_command("import_resources", str(archive), dry_run=True, report=str(report))
    assert "already imported 7" in capsys.readouterr().out

    with pytest.raises(CommandError, match="--owner"):
        call_command("import_resources", str(archive), report=str(report))
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_resources", str(archive), owner="nobody", report=str(report))
    bad = tmp_path / "bad.toml"
    bad.write_text('[defaults]\nsubject = "maths"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="maths"):
        call_command("import_resources", str(archive), owner=teacher.username, mapping=str(bad))
    with pytest.raises(CommandError, match="unknown collection"):
        call_command("import_resources", str(archive), owner=teacher.username, collection="nope")


def test_the_command_dry_run_lists_what_it_would_import(tmp_path, capsys):
    root = tmp_path / "tree"
    write(root, "初中/七年级/生物/细胞教案.docx", ooxml("word/document.xml"))
    call_command("import_resources", str(root), dry_run=True, report=str(tmp_path / "r.csv"))
    out = capsys.readouterr().out
    assert "would import  初中/七年级/生物/细胞教案.docx" in out
    assert "lesson_plan" in out and "生物" in out
    assert not Resource.objects.exists()
