"""Reading books without the database: every metadata field of EPUB 2, EPUB 3, PDF, TXT."""

from __future__ import annotations

import pytest

from ebooks.parse import IngestError, isbn_in_text, normalise_isbn, read_book
from tests.ebooks.conftest import BOOK, make_epub2, make_epub3, make_pdf, make_txt

TOC_HREFS = [
    {
        "title": "第一章 春天",
        "href": "OEBPS/text/c1.xhtml",
        "children": [{"title": "第一节 古诗", "href": "OEBPS/text/c1.xhtml#s1", "children": []}],
    },
    {"title": "第二章 夏天", "href": "OEBPS/text/c2.xhtml", "children": []},
    {"title": "第三章 秋天", "href": "OEBPS/text/c3.xhtml", "children": []},
]


def check_common(info) -> None:
    assert info.title == BOOK["title"]
    assert info.authors == BOOK["authors"]
    assert info.publisher == BOOK["publisher"]
    assert info.language == "zh-CN"
    assert info.isbn == BOOK["isbn"] == "9787107123450"
    assert info.subjects == BOOK["subjects"]
    assert info.issued == "2019-08-01"
    assert info.description == BOOK["description"]
    assert info.chapter_count == 3
    for _title, body in BOOK["chapters"]:
        assert body in info.text


@pytest.mark.parametrize(("make", "version", "media_type"), [
    (make_epub2, "2", "image/jpeg"),
    (make_epub3, "3", "image/png"),
])  # fmt: skip
def test_epub_metadata_toc_cover_and_text(tmp_path, make, version, media_type):
    info = read_book(make(tmp_path / "book.epub"))
    assert info.format == "epub"
    assert info.epub_version == version
    check_common(info)
    assert info.page_count is None
    assert info.toc == TOC_HREFS
    assert info.cover is not None and info.cover.media_type == media_type
    assert info.cover.data[:4] in (b"\xff\xd8\xff\xe0", b"\x89PNG")


def test_epub_without_toc_counts_spine_documents(tmp_path):
    path = make_epub3(tmp_path / "book.epub")
    # Remove the nav document's "nav" property: no TOC, the spine decides.
    import zipfile

    source = zipfile.ZipFile(path)
    files = {info.filename: source.read(info) for info in source.infolist()}
    source.close()
    files["OEBPS/content.opf"] = files["OEBPS/content.opf"].replace(b' properties="nav"', b"")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    info = read_book(path)
    assert info.toc == []
    assert info.chapter_count == 3


def test_pdf_metadata_from_xmp_outline_cover_and_text(tmp_path):
    info = read_book(make_pdf(tmp_path / "book.pdf"))
    assert info.format == "pdf"
    assert info.epub_version == ""
    check_common(info)
    assert info.page_count == 4
    assert [(e["title"], e["page"]) for e in info.toc] == [
        ("第一章 春天", 2),
        ("第二章 夏天", 3),
        ("第三章 秋天", 4),
    ]
    assert info.toc[0]["children"][0]["title"] == "第一节 古诗"
    assert info.cover.media_type == "image/jpeg"
    import io

    from PIL import Image

    with Image.open(io.BytesIO(info.cover.data)) as image:
        assert image.format == "JPEG"
        assert abs(image.height - 1000) <= 1


def test_pdf_metadata_from_info_dictionary_alone(tmp_path):
    info = read_book(make_pdf(tmp_path / "book.pdf", xmp=False))
    assert info.title == BOOK["title"]
    assert info.authors == BOOK["authors"]  # "张三; 李四" split
    assert info.publisher == BOOK["publisher"]
    assert info.subjects == BOOK["subjects"]  # /Keywords split
    assert info.description == BOOK["description"]  # /Subject
    assert info.issued == "2019-08-01"  # /CreationDate
    assert info.isbn == BOOK["isbn"]  # from the text: "ISBN 978-7-…"


def test_pdf_without_metadata_falls_back_to_file_name_and_text(tmp_path):
    info = read_book(make_pdf(tmp_path / "无题.pdf", xmp=False, info=False, outline=False))
    assert info.title == "无题"
    assert info.authors == [] and info.publisher == "" and info.subjects == []
    assert info.isbn == BOOK["isbn"]
    assert info.toc == [] and info.chapter_count is None


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk", "utf-8-sig"])
def test_txt_in_chinese_encodings(tmp_path, encoding):
    info = read_book(make_txt(tmp_path / "语文读本.txt", encoding=encoding))
    assert info.format == "txt"
    assert info.encoding == {"gbk": "gb18030", "utf-8-sig": "utf-8"}.get(encoding, encoding)
    assert info.title == "语文读本"
    assert info.language == "zh"
    assert info.isbn == BOOK["isbn"]
    assert info.chapter_count == 3
    assert [e["title"] for e in info.toc] == [title for title, _body in BOOK["chapters"]]
    assert info.cover is None and info.page_count is None
    assert "春眠不觉晓" in info.text and "\r" not in info.text


def test_binary_junk_is_unsupported(tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError) as caught:
        read_book(path)
    assert caught.value.code == "unsupported"


def test_isbn_normalisation():
    assert normalise_isbn("urn:isbn:978-7-107-12345-0") == "9787107123450"
    assert normalise_isbn("ISBN 7-107-12345-X") in ("", "710712345X")
    assert normalise_isbn("0-306-40615-2") == "0306406152"
    assert normalise_isbn("978-7-107-12345-1") == ""  # wrong check digit
    assert normalise_isbn("urn:uuid:1234") == ""
    assert isbn_in_text("书号：ISBN 978-7-107-12345-0 定价 20 元") == "9787107123450"
    assert isbn_in_text("电话 13800138000") == ""
