"""A sample archive as schools keep them: Chinese folder names, real (tiny) Office files
and PDFs, a GB18030 text file, a copy of a file elsewhere, and the usual rubbish (damaged
files, an empty file, a program, hidden and system files, a link pointing outside)."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
UNIT = "初中/八年级/数学/人教版/第一单元 勾股定理"
LESSON_PLAN = f"{UNIT}/勾股定理教案.docx"
SLIDES = f"{UNIT}/勾股定理_第1课时.pptx"
PAPER = f"{UNIT}/勾股定理的证明.pdf"
POEM = "小学/三年级/语文/古诗_静夜思.txt"
COPY = "中央电教馆资源/勾股定理的证明(副本).pdf"
PHYSICS = "中央电教馆资源/高中/高二/物理/电磁感应.pptx"
VIDEO = "初中/八年级/数学/人教版/第一单元 勾股定理/课堂实录.mp4"
BROKEN_PDF = "初中/八年级/数学/损坏的讲义.pdf"
BROKEN_DOCX = "初中/八年级/数学/不是文档.docx"
EMPTY = "初中/空文件.pdf"
PROGRAM = "软件/setup.exe"
HIDDEN = "初中/.~草稿.pdf"
THUMBS = "初中/Thumbs.db"
LINK = "初中/外部链接.pdf"
IMPORTABLE = (LESSON_PLAN, SLIDES, PAPER, POEM, PHYSICS, VIDEO)


def ooxml(part: str, text: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(part, f'<?xml version="1.0"?><document>{text}</document>')
    return buffer.getvalue()


def mp4() -> bytes:
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 500


def write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_tree(root: Path) -> Path:
    write(root, LESSON_PLAN, ooxml("word/document.xml"))
    write(root, SLIDES, ooxml("ppt/presentation.xml"))
    write(root, PAPER, PDF)
    write(root, POEM, "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n".encode("gb18030"))
    write(root, COPY, PDF)
    write(root, PHYSICS, ooxml("ppt/presentation.xml", "电磁感应"))
    write(root, VIDEO, mp4())
    write(root, BROKEN_PDF, random.Random(7).randbytes(3000))
    write(root, BROKEN_DOCX, "这不是一个Word文档".encode() * 20)
    write(root, EMPTY, b"")
    write(root, PROGRAM, b"MZ\x90\x00" + b"\x00" * 100)
    write(root, HIDDEN, PDF)
    write(root, THUMBS, b"\x00thumbs")
    outside = write(root.parent, "outside/secret.pdf", PDF + b"% outside\n")
    (root / LINK).symlink_to(outside)
    return root


@pytest.fixture(autouse=True)
def _import_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    return settings


@pytest.fixture
def archive(tmp_path) -> Path:
    return make_tree(tmp_path / "archive")
