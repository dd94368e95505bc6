"""A sample library as schools keep them: Chinese folder names, EPUB 2 and 3, PDF and
GB18030 text books, a copy of a book elsewhere, each kind of malformed book, and the usual
rubbish (hidden and system files, a Word file, an empty file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ebook_import import books

EPUB2 = "小学/三年级/语文/静夜思.epub"
PDF = "初中/八年级/数学/人教版/勾股定理.pdf"
TXT = "初中/八年级/语文/春.txt"
EPUB3 = "高中/电子书/新书.epub"
COPY = "重复/静夜思(副本).epub"
BOOKS = (EPUB2, PDF, TXT, EPUB3)
MALFORMED = {
    "坏书/不是压缩包.epub": ("bad_zip", books.bad_zip()),
    "坏书/没有包文件.epub": ("missing_opf", books.missing_opf()),
    "坏书/压缩炸弹.epub": ("zip_bomb", books.zip_bomb()),
    "坏书/危险路径.epub": ("unsafe_path", books.unsafe_path()),
    "坏书/加密.pdf": ("encrypted", books.pdf(encrypt=True)),
    "坏书/损坏.pdf": ("corrupt", books.corrupt_pdf()),
    "坏书/空白.txt": ("empty", b"  \n\n  \n"),
}
HIDDEN = "初中/.草稿.epub"
HIDDEN_FOLDER = ".回收站/"
THUMBS = "初中/Thumbs.db"
WORD = "其他/教案.docx"
EMPTY = "其他/空文件.pdf"


def make_library(root: Path) -> Path:
    books.write(root, EPUB2, books.epub("静夜思", version=2, n=1))
    books.write(root, PDF, books.pdf("勾股定理", n=2))
    books.write(root, TXT, books.txt())
    books.write(root, EPUB3, books.epub("新书", version=3, n=3))
    books.write(root, COPY, (root / EPUB2).read_bytes())
    for rel, (_code, data) in MALFORMED.items():
        books.write(root, rel, data)
    books.write(root, HIDDEN, books.epub("草稿", n=4))
    books.write(root, HIDDEN_FOLDER + "旧书.epub", books.epub("旧书", n=5))
    books.write(root, THUMBS, b"\x00thumbs")
    books.write(root, WORD, b"PK\x03\x04 not a book")
    books.write(root, EMPTY, b"")
    return root


@pytest.fixture(autouse=True)
def _import_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    return settings


@pytest.fixture
def library(tmp_path) -> Path:
    return make_library(tmp_path / "library")
