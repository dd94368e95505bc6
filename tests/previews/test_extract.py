"""Text for search from every format, with the hostile files refused for a stated reason."""

from __future__ import annotations

import zipfile

import pytest

from catalog.previews import extract
from catalog.previews.extract import ExtractionError
from tests.previews.conftest import (
    DOCX_WORDS,
    EPUB_WORDS,
    PPTX_WORDS,
    TXT_TEXT,
    XLSX_WORDS,
    make_epub,
    make_traversal_zip,
    make_zip_bomb,
)


@pytest.mark.parametrize(
    ("kind", "words"),
    [("docx", DOCX_WORDS), ("pptx", PPTX_WORDS), ("xlsx", XLSX_WORDS), ("epub", EPUB_WORDS)],
)
def test_text_of_office_and_epub_files(samples, kind, words):
    text = extract.extract_text(samples[kind], kind)
    for word in words:
        assert word in text


def test_docx_paragraphs_stay_apart(samples):
    text = extract.extract_text(samples["docx"], "docx")
    assert "勾股定理 教学设计\n" in text
    assert "第一课时" in text  # table cells count too


def test_pptx_slides_in_order(samples):
    text = extract.extract_text(samples["pptx"], "pptx")
    assert text.index("光合作用") < text.index("叶绿体")


def test_epub_follows_the_spine_and_skips_head_style_and_script(samples):
    text = extract.extract_text(samples["epub"], "epub")
    assert text.index("第一章") < text.index("春眠不觉晓") < text.index("第二章")
    assert "不应出现" not in text
    assert "alert" not in text
    assert "color" not in text


@pytest.mark.parametrize("kind", ["txt_utf8", "txt_gb18030"])
def test_text_files_in_utf8_and_gb18030(samples, kind):
    assert extract.extract_text(samples[kind], "txt") == TXT_TEXT.strip()


def test_decode_text_handles_boms_and_a_cut_character():
    assert extract.decode_text("\ufeff你好".encode()) == "你好"
    assert extract.decode_text("你好".encode("utf-16")) == "你好"
    assert extract.decode_text("你好".encode()[:-1]) == "你"
    assert extract.decode_text("简体中文课件".encode("gbk")) == "简体中文课件"


def test_pdf_text_keeps_chinese(pdf_samples):
    text = extract.extract_text(pdf_samples["pdf"], "pdf")
    for word in DOCX_WORDS:
        assert word in text


def test_pdf_with_only_an_owner_password_is_read(pdf_samples):
    assert DOCX_WORDS[0] in extract.extract_text(pdf_samples["pdf_owner_only"], "pdf")


def test_pdf_that_needs_a_password_is_refused(pdf_samples):
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(pdf_samples["pdf_locked"], "pdf")
    assert caught.value.code == ExtractionError.ENCRYPTED
    assert "password" in caught.value.reason


@pytest.mark.parametrize("kind", ["pdf", "docx", "pptx", "xlsx", "epub", "odt"])
def test_damaged_files_are_refused_as_corrupt(tmp_path, kind):
    path = tmp_path / f"broken.{kind}"
    path.write_bytes(b"%PDF-1.7\n garbage" if kind == "pdf" else b"PK\x03\x04 garbage")
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, kind)
    assert caught.value.code == ExtractionError.CORRUPT
    assert "damaged" in caught.value.reason


def test_archive_without_the_expected_part_is_corrupt(tmp_path, samples):
    # A PPTX renamed to .docx: a valid zip, but no word/document.xml.
    path = tmp_path / "renamed.docx"
    path.write_bytes(samples["pptx"].read_bytes())
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, "docx")
    assert caught.value.code == ExtractionError.CORRUPT


def test_zip_bomb_is_refused_by_its_declared_size(tmp_path):
    bomb = make_zip_bomb(tmp_path / "bomb.docx", megabytes=300)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(bomb, "docx")
    assert caught.value.code == ExtractionError.TOO_LARGE


def test_member_that_unpacks_past_the_cap_is_stopped_while_reading(tmp_path, monkeypatch):
    # Declared sizes can lie, so the read itself is capped as well.
    bomb = make_zip_bomb(tmp_path / "bomb.docx", megabytes=3)
    monkeypatch.setattr(extract, "MAX_ZIP_MEMBER_BYTES", 1024 * 1024)
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(bomb, "docx")
    assert caught.value.code == ExtractionError.TOO_LARGE


def test_archive_with_parent_directory_entries_is_refused(tmp_path):
    path = make_traversal_zip(tmp_path / "evil.docx")
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, "docx")
    assert caught.value.code == ExtractionError.UNSAFE
    assert not (tmp_path.parent / "evil.txt").exists()


def test_epub_spine_pointing_outside_the_book_is_refused(tmp_path):
    path = make_epub(tmp_path / "evil.epub", chapter_href="../../../etc/passwd")
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, "epub")
    assert caught.value.code == ExtractionError.UNSAFE


def test_xml_with_entities_is_refused(tmp_path):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document>&b;</w:document>'
    )
    path = tmp_path / "laughs.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", laughs)
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, "docx")
    assert caught.value.code == ExtractionError.CORRUPT


def test_binary_data_named_txt_is_refused(tmp_path):
    path = tmp_path / "program.txt"
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" * 10)
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, "txt")
    assert caught.value.code == ExtractionError.CORRUPT


def test_unknown_type_is_unsupported(tmp_path):
    path = tmp_path / "a.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    with pytest.raises(ExtractionError) as caught:
        extract.extract_text(path, "mp4")
    assert caught.value.code == ExtractionError.UNSUPPORTED


def test_text_is_capped_and_cleaned():
    assert extract.clean_text("a\x00b" + "\n" * 10 + "c", limit=5) == "ab\n\nc"
    assert len(extract.clean_text("字" * 50, limit=10)) == 10
