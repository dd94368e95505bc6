"""The copy LibreOffice converts has no link out of the package: external relationships,
xlsx external workbooks, fetching Word fields and ODF references outside the package are
gone, and everything inside the package (styles, embedded pictures, hyperlink text) stays."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from catalog.previews import convert, links
from catalog.previews.convert import ConversionError
from catalog.previews.extract import ExtractionError
from tests.previews.hostile import hostile_docx, hostile_odt, hostile_xlsx

BASE = "http://127.0.0.1:9"


def sanitised(source: Path) -> tuple[zipfile.ZipFile, int]:
    target = source.with_name(f"clean-{source.name}")
    removed = links.sanitise_package(source, target)
    return zipfile.ZipFile(target), removed


def texts(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


def test_docx_loses_external_relationships_and_fetching_fields(tmp_path):
    source = hostile_docx(tmp_path / "a.docx", BASE)
    archive, removed = sanitised(source)
    parts = texts(archive)

    assert removed == 6  # picture, hyperlink, template, INCLUDEPICTURE, INCLUDETEXT (2 runs)
    assert not any(BASE in text for text in parts.values())
    rels = parts["word/_rels/document.xml.rels"]
    assert 'TargetMode="External"' not in rels
    for internal in ("styles.xml", "settings.xml", "numbering.xml", "fontTable.xml"):
        assert f'Target="{internal}"' in rels  # the package's own parts are kept
    assert "attachedTemplate" not in parts["word/_rels/settings.xml.rels"]
    document = parts["word/document.xml"]
    assert 'w:instr=""' in document
    assert "INCLUDE" not in document
    for kept_text in ("图片", "包含", "教育局网站", "勾股定理"):
        assert kept_text in document  # field results and hyperlink text stay
    assert archive.namelist() == zipfile.ZipFile(source).namelist()


def test_xlsx_loses_its_external_workbook_and_linked_picture(tmp_path):
    archive, removed = sanitised(hostile_xlsx(tmp_path / "a.xlsx", BASE))
    parts = texts(archive)

    assert removed == 4  # two externalLink entries, their workbook relationship, the picture
    assert not any(name.startswith("xl/externalLinks/") for name in parts)
    assert "externalLink" not in parts["xl/_rels/workbook.xml.rels"]
    assert 'Target="worksheets/sheet1.xml"' in parts["xl/_rels/workbook.xml.rels"]
    assert not any(BASE in text for text in parts.values())


def test_odt_keeps_its_own_picture_and_hyperlink_but_nothing_outside(tmp_path):
    archive, removed = sanitised(hostile_odt(tmp_path / "a.odt", BASE))
    content = archive.read("content.xml").decode()

    assert removed == 3  # picture, object, section source
    assert 'xlink:href="Pictures/inside.png"' in content
    assert f'xlink:href="{BASE}/odt-hyperlink"' in content  # never fetched, stays a link
    for outside in ("odt-picture.png", "odt-object.odg", "odt-section.odt"):
        assert outside not in content
    assert content.count('xlink:href=""') == 3
    first = archive.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)


def test_other_prefixes_encodings_and_svg_are_found(tmp_path):
    """The namespace decides, not the prefix; UTF-16 parts and SVG pictures count too."""
    content = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:d="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:l="http://www.w3.org/1999/xlink"><o:body>'
        f"<d:image l:href='{BASE}/utf16.png' /><d:image l:href=\"Pictures/a.png\"/>"
        "</o:body></o:document-content>"
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image href="{BASE}/svg.png"/><image xlink:href="file:///etc/passwd"/>'
        '<use href="#local"/></svg>'
    )
    word = (
        '<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<x:fldSimple x:instr=" PAGE "/><x:fldSimple x:instr="&#73;NCLUDEPICTURE &quot;'
        f'{BASE}/entity.png&quot;"/></x:document>'
    )
    source = tmp_path / "a.odt"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content.encode("utf-16"))
        archive.writestr("Pictures/drawing.svg", svg)
        archive.writestr("word/document.bin", word)
    archive, removed = sanitised(source)
    parts = texts(archive)

    assert removed == 4
    assert not any(BASE in text or "/etc/passwd" in text for text in parts.values())
    assert 'l:href="Pictures/a.png"' in parts["content.xml"]
    assert parts["content.xml"].startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert 'href="#local"' in parts["Pictures/drawing.svg"]
    assert 'x:instr=" PAGE "' in parts["word/document.bin"]


def test_parts_with_a_dtd_are_left_out(tmp_path):
    source = tmp_path / "a.odt"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml",
            '<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/dtd">]><x>&e;</x>',
        )
    archive, removed = sanitised(source)
    assert archive.namelist() == ["mimetype"]
    assert removed == 1


@pytest.mark.parametrize(
    ("target", "external"),
    [
        ("Pictures/inside.png", False),
        ("./Object 1", False),
        ("#bookmark", False),
        ("data:image/png;base64,AAAA", False),
        ("http://10.0.0.5/x.png", True),
        ("HTTPS://intranet/x.png", True),
        (" ht\ttp://intranet/x.png", True),
        ("file:///etc/passwd", True),
        ("/etc/passwd", True),
        ("../secret.png", True),
        ("Pictures/../../secret.png", True),
        ("%2e%2e/secret.png", True),
        ("C:\\Users\\x.png", True),
        ("\\\\server\\share\\x.png", True),
        ("smb://server/share", True),
    ],
)
def test_what_counts_as_outside_the_package(target, external):
    assert links.is_external(target) is external


@pytest.mark.parametrize(
    ("instruction", "fetching"),
    [
        (' INCLUDEPICTURE "http://x/a.png" \\d ', True),
        ("includetext c:\\\\docs\\\\a.docx", True),
        (' LINK Excel.Sheet.12 "\\\\\\\\server\\\\a.xlsx" ', True),
        (" DDEAUTO excel x ", True),
        (' HYPERLINK "http://www.example.edu.cn" ', False),
        (" PAGE \\* MERGEFORMAT ", False),
        (" TOC \\o 1-3 ", False),
        (' QUOTE "http://x/y" ', True),
        ("", True),
    ],
)
def test_which_word_fields_fetch(instruction, fetching):
    assert links.fetching_field(instruction) is fetching


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("../customXml/item1.xml", True),
        ("/word/media/image1.png", True),
        ("media/image1.png", True),
        ("../../../etc/passwd", False),
        ("file:///etc/passwd", False),
    ],
)
def test_internal_relationships_stay_inside_the_package(tmp_path, target, kept):
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="t/image" Target="{target}"/></Relationships>'
    )
    source = tmp_path / "a.docx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("word/_rels/document.xml.rels", rels)
    archive, removed = sanitised(source)
    assert (target in archive.read("word/_rels/document.xml.rels").decode()) is kept
    assert removed == (0 if kept else 1)


def test_duplicate_entry_names_are_refused(tmp_path):
    source = tmp_path / "a.docx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("word/document.xml", "<a/>")
        archive.writestr("Word/Document.xml", "<b/>")
    with pytest.raises(ExtractionError):
        links.sanitise_package(source, tmp_path / "b.docx")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("disguised.rtf", b"PK\x03\x04rest of a docx"),
        ("page.rtf", b"<html><img src='http://10.0.0.5/x.png'></html>"),
        ("disguised.csv", b"PK\x03\x04rest of an xlsx"),
        ("flat.csv", b'<?xml version="1.0"?><office:document/>'),
    ],
)
def test_packages_and_markup_under_other_names_are_refused(tmp_path, name, data):
    """LibreOffice would recognise them by content and skip the link removal."""
    path = tmp_path / name
    path.write_bytes(data)
    assert convert.sniff_office_problem(path, name.rsplit(".", 1)[1]) == ConversionError.CORRUPT


def test_real_rtf_and_csv_are_still_accepted(tmp_path):
    (tmp_path / "a.rtf").write_bytes(b"{\\rtf1\\ansi hello}")
    (tmp_path / "a.csv").write_text("姓名,语文\n张三,95\n", encoding="utf-8")
    assert convert.sniff_office_problem(tmp_path / "a.rtf", "rtf") is None
    assert convert.sniff_office_problem(tmp_path / "a.csv", "csv") is None


def test_zip_rules_of_safezip_apply(tmp_path):
    from tests.previews.conftest import make_traversal_zip

    with pytest.raises(ExtractionError) as caught:
        links.sanitise_package(make_traversal_zip(tmp_path / "a.docx"), tmp_path / "b.docx")
    assert caught.value.code == ExtractionError.UNSAFE
    assert re.search("evil", caught.value.detail)


def test_tricks_inside_word_fields_and_root_relationships(tmp_path):
    """Markup nested in an instruction, Strict OOXML, and a root .rels leaving the package."""
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    document = (
        f'<w:document xmlns:w="{strict}"><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText>INCLUDEPICTURE<w:x/> "{BASE}/nested.png"</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>正文</w:t></w:r></w:document>'
    )
    root_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="t/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="t/x" Target="../../etc/passwd"/></Relationships>'
    )
    source = tmp_path / "a.docx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("word/document.xml", document)
    archive, removed = sanitised(source)
    parts = texts(archive)

    assert removed == 2
    assert "<w:instrText></w:instrText>" in parts["word/document.xml"]
    assert "正文" in parts["word/document.xml"]
    assert 'Target="word/document.xml"' in parts["_rels/.rels"]
    assert "passwd" not in parts["_rels/.rels"]
