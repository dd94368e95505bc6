"""Small e-books made from templates, fast enough to make thousands (the benchmark uses
them too): EPUB 2 and 3 with zipfile, PDF with pypdf, and each kind of malformed file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)
OPF = (
    '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" '
    'version="{version}" unique-identifier="id"><metadata '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:{n}'
    "</dc:identifier><dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>"
    "<dc:language>zh-CN</dc:language><dc:publisher>人民教育出版社</dc:publisher></metadata>"
    '<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>{nav}'
    '</manifest><spine><itemref idref="c1"/></spine></package>'
)
NAV_ITEM = '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
NAV = (
    '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
    'xmlns:epub="http://www.idpf.org/2007/ops"><body><nav epub:type="toc"><ol>'
    '<li><a href="c1.xhtml">第一章</a></li></ol></nav></body></html>'
)
CHAPTER = (
    '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
    "<head><title>第一章</title></head><body><h1>第一章</h1><p>{text}</p></body></html>"
)


def epub(title: str = "静夜思", *, version: int = 3, n: int = 0, author: str = "李白") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", CONTAINER)
        nav = NAV_ITEM if version == 3 else ""
        opf = OPF.format(version=f"{version}.0", n=n, title=title, author=author, nav=nav)
        archive.writestr("OEBPS/content.opf", opf)
        archive.writestr("OEBPS/c1.xhtml", CHAPTER.format(text=f"床前明月光，疑是地上霜。{n}"))
        if version == 3:
            archive.writestr("OEBPS/nav.xhtml", NAV)
    return buffer.getvalue()


def pdf(title: str = "勾股定理", *, n: int = 0, encrypt: bool = False) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title, "/Author": "数学组", "/Subject": f"第{n}册"})
    if encrypt:
        writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def txt(text: str = "第一章 春\n盼望着，盼望着，东风来了，春天的脚步近了。\n") -> bytes:
    return text.encode("gb18030")


def bad_zip() -> bytes:
    return b"PK\x03\x04" + b"\x00\x17not really a zip" * 50


def missing_opf() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("OEBPS/c1.xhtml", CHAPTER.format(text="没有包文件"))
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("OEBPS/content.opf", b"\x00" * (9 * 1024 * 1024))
    return buffer.getvalue()


def unsafe_path() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("../../etc/evil.xhtml", CHAPTER.format(text="x"))
        archive.writestr(
            "OEBPS/content.opf", OPF.format(version="2.0", n=0, title="t", author="a", nav="")
        )
    return buffer.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n" + b"\x13\x37 garbage " * 300


def write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
