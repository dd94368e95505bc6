"""Real e-book files for the tests, made on the spot.

The generators are plain functions so that other test packages can use them::

    from tests.ebooks.conftest import BOOK, make_epub2, make_epub3, make_pdf, make_txt

EPUBs are written with zipfile and a Pillow cover; the PDF is an HTML file converted by
LibreOffice (cached per session, so only the first ``make_pdf`` pays for it), then given
an info dictionary, an XMP packet and an outline with pypdf.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest


def isbn13(first12: str) -> str:
    """A valid ISBN-13 from its first twelve digits (the check digit computed)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


# Metadata shared by the generated books; tests compare the ingested fields with it.
BOOK = {
    "title": "小学语文阅读训练",
    "authors": ["张三", "李四"],
    "publisher": "人民教育出版社",
    "language": "zh-CN",
    "isbn": isbn13("978710712345"),
    "subjects": ["语文", "阅读理解"],
    "date": "2019-08-01",
    "description": "面向小学三年级的课外阅读练习。",
    "chapters": [
        ("第一章 春天", "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"),
        ("第二章 夏天", "小荷才露尖尖角，早有蜻蜓立上头。"),
        ("第三章 秋天", "停车坐爱枫林晚，霜叶红于二月花。"),
    ],
}


def hyphenated(isbn: str) -> str:
    return f"{isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}"


def cover_image(width: int = 600, height: int = 900, fmt: str = "JPEG") -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (200, 60, 40))
    ImageDraw.Draw(image).rectangle((50, 50, width - 50, height // 3), fill=(250, 240, 200))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


_CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def _chapter(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh-CN"><head>'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(body)}</p></body></html>"
    )


def _dc(book: dict, *, epub2: bool) -> str:
    scheme = ' opf:scheme="ISBN"' if epub2 else ""
    event = ' opf:event="publication"' if epub2 else ""
    role = ' opf:role="aut"' if epub2 else ""
    creators = "".join(f"<dc:creator{role}>{escape(a)}</dc:creator>" for a in book["authors"])
    subjects = "".join(f"<dc:subject>{escape(s)}</dc:subject>" for s in book["subjects"])
    identifier = hyphenated(book["isbn"]) if epub2 else f"urn:isbn:{book['isbn']}"
    return (
        f'<dc:identifier id="bookid"{scheme}>{identifier}</dc:identifier>'
        f"<dc:title>{escape(book['title'])}</dc:title>{creators}"
        f"<dc:publisher>{escape(book['publisher'])}</dc:publisher>"
        f"<dc:language>{book['language']}</dc:language>{subjects}"
        f"<dc:date{event}>{book['date']}</dc:date>"
        f"<dc:description>{escape(book['description'])}</dc:description>"
    )


def _write_epub(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")  # stored, first
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def make_epub2(path: Path, book: dict | None = None, *, cover: bytes | None = None) -> Path:
    """An EPUB 2 (OPF 2.0 with an NCX) with Chinese Dublin Core metadata, a JPEG cover
    declared by ``<meta name="cover">`` and one XHTML file per chapter."""
    book = {**BOOK, **(book or {})}
    chapters = book["chapters"]
    items = "".join(
        f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(1, len(chapters) + 1)
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(1, len(chapters) + 1))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="bookid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:opf="http://www.idpf.org/2007/opf">'
        f'{_dc(book, epub2=True)}<meta name="cover" content="cover-img"/></metadata>'
        '<manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
        '<item id="cover-img" href="images/front.jpg" media-type="image/jpeg"/>'
        f'{items}</manifest><spine toc="ncx">{spine}</spine></package>'
    )
    points = "".join(
        f'<navPoint id="n{i}" playOrder="{i}"><navLabel><text>{escape(title)}</text></navLabel>'
        f'<content src="text/c{i}.xhtml"/>'
        + (
            '<navPoint id="n1a" playOrder="99"><navLabel><text>第一节 古诗</text></navLabel>'
            '<content src="text/c1.xhtml#s1"/></navPoint>'
            if i == 1
            else ""
        )
        + "</navPoint>"
        for i, (title, _body) in enumerate(chapters, 1)
    )
    ncx = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        f"<head/><docTitle><text>{escape(book['title'])}</text></docTitle>"
        f"<navMap>{points}</navMap></ncx>"
    )
    files: dict[str, bytes | str] = {
        "META-INF/container.xml": _CONTAINER,
        "OEBPS/content.opf": opf,
        "OEBPS/toc.ncx": ncx,
        "OEBPS/images/front.jpg": cover if cover is not None else cover_image(),
    }
    for i, (title, body) in enumerate(chapters, 1):
        files[f"OEBPS/text/c{i}.xhtml"] = _chapter(title, body)
    return _write_epub(path, files)


def make_epub3(path: Path, book: dict | None = None, *, cover: bytes | None = None) -> Path:
    """An EPUB 3 (OPF 3.0 with nav.xhtml) with Chinese metadata, a PNG cover marked
    ``properties="cover-image"`` and one XHTML file per chapter."""
    book = {**BOOK, **(book or {})}
    chapters = book["chapters"]
    items = "".join(
        f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(1, len(chapters) + 1)
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(1, len(chapters) + 1))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'{_dc(book, epub2=False)}<meta property="dcterms:modified">2020-01-01T00:00:00Z</meta>'
        "</metadata><manifest>"
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        '<item id="cov" href="images/cover.png" media-type="image/png" '
        'properties="cover-image"/>'
        f"{items}</manifest><spine>{spine}</spine></package>"
    )
    lis = "".join(
        f'<li><a href="text/c{i}.xhtml">{escape(title)}</a>'
        + ('<ol><li><a href="text/c1.xhtml#s1">第一节 古诗</a></li></ol>' if i == 1 else "")
        + "</li>"
        for i, (title, _body) in enumerate(chapters, 1)
    )
    nav = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        '<head><title>目录</title></head><body><nav epub:type="toc"><h1>目录</h1>'
        f'<ol>{lis}</ol></nav><nav epub:type="landmarks"><ol><li>'
        '<a epub:type="bodymatter" href="text/c1.xhtml">正文</a></li></ol></nav></body></html>'
    )
    files: dict[str, bytes | str] = {
        "META-INF/container.xml": _CONTAINER,
        "OEBPS/content.opf": opf,
        "OEBPS/nav.xhtml": nav,
        "OEBPS/images/cover.png": cover if cover is not None else cover_image(fmt="PNG"),
    }
    for i, (title, body) in enumerate(chapters, 1):
        files[f"OEBPS/text/c{i}.xhtml"] = _chapter(title, body)
    return _write_epub(path, files)


# --- PDF ----------------------------------------------------------------------------------------

_PDF_CACHE: dict[str, bytes] = {}


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _html_to_pdf(html: str) -> bytes:
    key = hashlib.sha256(html.encode()).hexdigest()
    if key not in _PDF_CACHE:
        soffice = soffice_path()
        if soffice is None:
            pytest.skip("LibreOffice (soffice) is not installed; it makes the sample PDF")
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "book.html"
            source.write_text(html, encoding="utf-8")
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--headless",
                    "--convert-to",
                    "pdf:writer_web_pdf_Export",
                    "--outdir",
                    tmp,
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
            _PDF_CACHE[key] = (Path(tmp) / "book.pdf").read_bytes()
    return _PDF_CACHE[key]


def _xmp(book: dict) -> bytes:
    def bag(kind: str, values: list[str]) -> str:
        return (
            f"<rdf:{kind}>"
            + "".join(f"<rdf:li>{escape(v)}</rdf:li>" for v in values)
            + (f"</rdf:{kind}>")
        )

    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
        f"{escape(book['title'])}</rdf:li></rdf:Alt></dc:title>"
        f"<dc:creator>{bag('Seq', book['authors'])}</dc:creator>"
        f"<dc:publisher>{bag('Bag', [book['publisher']])}</dc:publisher>"
        f"<dc:language>{bag('Bag', [book['language']])}</dc:language>"
        f"<dc:subject>{bag('Bag', book['subjects'])}</dc:subject>"
        f"<dc:date>{bag('Seq', [book['date']])}</dc:date>"
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
        f"{escape(book['description'])}</rdf:li></rdf:Alt></dc:description>"
        f"<prism:isbn>{hyphenated(book['isbn'])}</prism:isbn>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def make_pdf(
    path: Path,
    book: dict | None = None,
    *,
    xmp: bool = True,
    info: bool = True,
    outline: bool = True,
) -> Path:
    """A PDF of the chapters (one page each, Chinese text) with the metadata of ``book``
    in the info dictionary and (unless ``xmp=False``) an XMP packet, plus an outline."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    book = {**BOOK, **(book or {})}
    pages = "".join(
        f'<h1 style="page-break-before: always">{escape(title)}</h1><p>{escape(body)}</p>'
        for title, body in book["chapters"]
    )
    html = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(book['title'])}</title></head><body>"
        f"<p>{escape(book['title'])}</p><p>ISBN {hyphenated(book['isbn'])}</p>{pages}"
        "</body></html>"
    )
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_html_to_pdf(html))))
    if info:
        writer.metadata = None
        writer.add_metadata(
            {
                "/Title": book["title"],
                "/Author": "; ".join(book["authors"]),
                "/Subject": book["description"],
                "/Keywords": ", ".join(book["subjects"]),
                "/Publisher": book["publisher"],
                "/CreationDate": "D:" + book["date"].replace("-", "") + "000000+08'00'",
            }
        )
    else:
        writer.metadata = None
    if xmp:
        stream = StreamObject()
        stream.set_data(_xmp(book))
        stream.update({NameObject("/Type"): NameObject("/Metadata")})
        stream.update({NameObject("/Subtype"): NameObject("/XML")})
        writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    if outline:
        writer.outline_mode = None
        for number, (title, _body) in enumerate(book["chapters"], 1):
            parent = writer.add_outline_item(
                title=title, page_number=min(number, len(writer.pages) - 1)
            )
            if number == 1:
                writer.add_outline_item(
                    title="第一节 古诗",
                    page_number=min(number, len(writer.pages) - 1),
                    parent=parent,
                )
    with Path(path).open("wb") as handle:
        writer.write(handle)
    return Path(path)


def make_encrypted_pdf(path: Path, *, password: str = "secret") -> Path:  # noqa: S107
    """A PDF that needs a password to open (user password set, AES-128)."""
    from pypdf import PdfReader, PdfWriter

    with tempfile.TemporaryDirectory() as tmp:
        plain = make_pdf(Path(tmp) / "plain.pdf")
        writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password="owner-" + password, algorithm="AES-128")
    with Path(path).open("wb") as handle:
        writer.write(handle)
    return Path(path)


# --- plain text ---------------------------------------------------------------------------------


def make_txt(path: Path, *, encoding: str = "utf-8", book: dict | None = None) -> Path:
    """A plain-text book: title line, an ISBN line and chapters headed "第一章 …"."""
    book = {**BOOK, **(book or {})}
    lines = [book["title"], f"ISBN {hyphenated(book['isbn'])}", ""]
    for title, body in book["chapters"]:
        lines += [title, body, ""]
    Path(path).write_bytes("\r\n".join(lines).encode(encoding))
    return Path(path)


# --- malformed files ----------------------------------------------------------------------------


def make_not_a_zip(path: Path) -> Path:
    """Text saved under an .epub name."""
    Path(path).write_text("这不是一个电子书文件。", encoding="utf-8")
    return path


def make_epub_without_opf(path: Path, *, container: bool = False) -> Path:
    """An EPUB with its mimetype and a chapter but no container.xml (or, with
    ``container=True``, a container.xml pointing at an OPF that is not there)."""
    files: dict[str, bytes | str] = {"OEBPS/text/c1.xhtml": _chapter("第一章", "正文")}
    if container:
        files["META-INF/container.xml"] = _CONTAINER
    return _write_epub(path, files)


def make_zip_bomb_epub(path: Path, *, megabytes: int = 80) -> Path:
    """A well-formed EPUB plus one member of ``megabytes`` zeros (about 1000:1)."""
    make_epub3(path)
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("OEBPS/text/bomb.xhtml", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(block)
    return path


def make_traversal_epub(path: Path) -> Path:
    """A well-formed EPUB with an extra entry named ``../evil.txt``."""
    make_epub3(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../evil.txt", "x")
    return path


def make_empty(path: Path) -> Path:
    Path(path).write_bytes(b"")
    return path


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _ebook_settings(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path}/objects"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def objects_dir(tmp_path) -> Path:
    return tmp_path / "objects"


@pytest.fixture
def shelve(teacher, tmp_path, intranet_settings):
    """``shelve(title, grade=3, subject="chinese", cover=True, **commit_kwargs)``: an
    EPUB 3 through the real ingest, filed under a grade and subject, public by default."""
    from catalog.models import Subject
    from ebooks.ingest import ingest_file

    serial = iter(range(1, 10_000))

    def make(
        title: str,
        *,
        grade: int | None = None,
        subject: str | None = None,
        cover: bool = True,
        book: dict | None = None,
        **kwargs,
    ):
        n = next(serial)
        # A distinct description per book: the ingest refuses a file it already holds.
        meta = {"title": title, "description": f"{title}：第{n}本书的简介。", **(book or {})}
        path = tmp_path / f"shelf{n}.epub"
        make_epub3(path, meta, cover=None if cover else b"not an image")
        taxonomy = {}
        if grade is not None:
            taxonomy["grade"] = grade
        if subject is not None:
            taxonomy["subject"] = Subject.objects.get(code=subject)
        kwargs.setdefault("owner", teacher)
        kwargs.setdefault("visibility", "public")
        return ingest_file(path, taxonomy=taxonomy, **kwargs)

    return make
