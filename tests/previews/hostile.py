"""Office files that point outside themselves, the way the reviewer's DOCX did, and a
local HTTP server that records every request LibreOffice might make for them.

Each builder writes a real document (python-docx, python-pptx, XlsxWriter; ODT by hand)
with a picture of its own, then turns that picture into a link to ``base`` as Word,
PowerPoint and Excel store linked pictures (``r:link`` with ``TargetMode="External"``),
and adds the other kinds of outside reference each format has.
"""

from __future__ import annotations

import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.previews.conftest import make_docx, make_pptx

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Recorder(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that answers everything and keeps (method, path)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[tuple[str, str]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.server.hits.append((self.command, self.path))
        body = png() if self.path.endswith(".png") else b"SECRET-INTRANET-CONTENT"
        self.send_response(200)
        self.send_header(
            "Content-Type", "image/png" if body.startswith(b"\x89PNG") else "text/plain"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_OPTIONS = do_POST = do_PUT = do_PROPFIND = _answer

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _rewrite(path: Path, edits: dict[str, callable], extra: dict[str, str] | None = None) -> None:
    """Rewrite zip entries of ``path`` (name -> function of the text) and add ``extra``."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            archive.writestr(info.filename, data)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)


def _link_picture(rels: str, url: str) -> str:
    """The picture relationship pointed at ``url`` as an external target."""
    return re.sub(
        r'(<Relationship [^>]*Type="[^"]*/image"[^>]*?)Target="[^"]*"',
        rf'\1Target="{url}" TargetMode="External"',
        rels,
    )


def _first_picture_id(path: Path, rels_name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        rels = archive.read(rels_name).decode()
    return re.search(r'Id="(\w+)"[^>]*Type="[^"]*/image"', rels).group(1)


def _picture_file(tmp: Path) -> Path:
    picture = tmp / "inside.png"
    picture.write_bytes(png(rgb=(20, 160, 20)))
    return picture


def hostile_docx(path: Path, base: str) -> Path:
    """A linked picture, a linked template, INCLUDEPICTURE (simple field), INCLUDETEXT
    (complex field split over runs) and a hyperlink, all pointing at ``base``."""
    from docx import Document
    from docx.shared import Cm

    make_docx(path)
    document = Document(path)
    document.add_picture(str(_picture_file(path.parent)), width=Cm(2))
    document.add_paragraph("附件链接")
    document.save(path)
    picture_id = _first_picture_id(path, "word/_rels/document.xml.rels")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    fields = (
        f'<w:p><w:fldSimple w:instr=" INCLUDEPICTURE &quot;{base}/docx-field.png&quot; \\d ">'
        "<w:r><w:t>图片</w:t></w:r></w:fldSimple></w:p>"
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> INCLUDE</w:instrText></w:r>'
        '<w:r><w:instrText xml:space="preserve">'
        f'TEXT "{base}/docx-include.docx" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>包含</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        '<w:p><w:hyperlink r:id="rIdLink"><w:r><w:t>教育局网站</w:t></w:r></w:hyperlink></w:p>'
    )
    _rewrite(
        path,
        {
            "word/_rels/document.xml.rels": lambda text: _link_picture(
                text, f"{base}/docx-picture.png"
            ).replace(
                "</Relationships>",
                f'<Relationship Id="rIdLink" Type="{REL_TYPES}/hyperlink" '
                f'Target="{base}/docx-hyperlink" TargetMode="External"/></Relationships>',
            ),
            "word/document.xml": lambda text: text.replace(
                f'r:embed="{picture_id}"', f'r:link="{picture_id}"'
            ).replace("<w:sectPr", fields + "<w:sectPr", 1),
            "word/settings.xml": lambda text: re.sub(
                r"(<w:settings[^>]*>)", rf'\1<w:attachedTemplate r:id="rIdTpl" {w}/>', text, count=1
            ),
        },
        {
            "word/_rels/settings.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rIdTpl" Type="{REL_TYPES}/attachedTemplate" '
                f'Target="{base}/docx-template.dotx" TargetMode="External"/></Relationships>'
            )
        },
    )
    return path


def hostile_pptx(path: Path, base: str) -> Path:
    """A slide whose picture is linked to ``base``."""
    from pptx import Presentation
    from pptx.util import Cm

    make_pptx(path)
    presentation = Presentation(path)
    slide = presentation.slides[0]
    slide.shapes.add_picture(str(_picture_file(path.parent)), Cm(1), Cm(1), Cm(3), Cm(3))
    presentation.save(path)
    rels = "ppt/slides/_rels/slide1.xml.rels"
    picture_id = _first_picture_id(path, rels)
    _rewrite(
        path,
        {
            rels: lambda text: _link_picture(text, f"{base}/pptx-picture.png"),
            "ppt/slides/slide1.xml": lambda text: text.replace(
                f'r:embed="{picture_id}"', f'r:link="{picture_id}"'
            ),
        },
    )
    return path


def hostile_xlsx(path: Path, base: str) -> Path:
    """A linked picture and an external workbook link (``externalLink`` part) used by a
    formula, both at ``base``."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("期末成绩")
    sheet.write_row(0, 0, ["姓名", "语文", "数学"])
    sheet.write_row(1, 0, ["张三", 95, 88])
    sheet.write_formula("D2", "=[1]Sheet1!A1", None, 0)
    sheet.insert_image("B4", str(_picture_file(path.parent)))
    workbook.close()
    rels = "xl/drawings/_rels/drawing1.xml.rels"
    picture_id = _first_picture_id(path, rels)
    external_link = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{R_NS}"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/>'
        '</sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="n">'
        "<v>42</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>"
    )
    _rewrite(
        path,
        {
            rels: lambda text: _link_picture(text, f"{base}/xlsx-picture.png"),
            "xl/drawings/drawing1.xml": lambda text: text.replace(
                f'r:embed="{picture_id}"', f'r:link="{picture_id}"'
            ),
            "xl/_rels/workbook.xml.rels": lambda text: text.replace(
                "</Relationships>",
                f'<Relationship Id="rIdExt" Type="{REL_TYPES}/externalLink" '
                'Target="externalLinks/externalLink1.xml"/></Relationships>',
            ),
            "xl/workbook.xml": lambda text: text.replace(
                "</sheets>",
                '</sheets><externalReferences><externalReference r:id="rIdExt"/>'
                "</externalReferences>",
            ),
            "[Content_Types].xml": lambda text: text.replace(
                "</Types>",
                '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                '"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
                "</Types>",
            ),
        },
        {
            "xl/externalLinks/externalLink1.xml": external_link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{REL_TYPES}/externalLinkPath" '
                f'Target="{base}/xlsx-book.xlsx" TargetMode="External"/></Relationships>'
            ),
        },
    )
    return path


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">
<office:body><office:text>
<text:h text:outline-level="1">勾股定理 教学设计</text:h>
<text:p>在直角三角形中，两条直角边的平方和等于斜边的平方。</text:p>
<text:p><draw:frame draw:name="inside" text:anchor-type="as-char" svg:width="2cm" svg:height="2cm">
<draw:image xlink:href="Pictures/inside.png" xlink:type="simple" xlink:show="embed"
 xlink:actuate="onLoad"/></draw:frame></text:p>
<text:p><draw:frame draw:name="outside" text:anchor-type="as-char" svg:width="2cm" svg:height="2cm">
<draw:image xlink:href="{base}/odt-picture.png" xlink:type="simple" xlink:show="embed"
 xlink:actuate="onLoad"/></draw:frame></text:p>
<text:p><draw:frame draw:name="object" text:anchor-type="as-char" svg:width="2cm" svg:height="2cm">
<draw:object xlink:href="{base}/odt-object.odg" xlink:type="simple" xlink:show="embed"
 xlink:actuate="onLoad"/></draw:frame></text:p>
<text:section text:name="linked"><text:section-source xlink:href="{base}/odt-section.odt"
 xlink:type="simple" xlink:show="embed"/><text:p>旧内容</text:p></text:section>
<text:p><text:a xlink:type="simple" xlink:href="{base}/odt-hyperlink">教育局网站</text:a></text:p>
</office:text></office:body></office:document-content>
"""


def hostile_odt(path: Path, base: str) -> Path:
    """An OpenDocument text with a picture inside the package and a picture, an object, a
    linked section and a hyperlink outside it."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="Pictures/inside.png" '
        'manifest:media-type="image/png"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )  # first and stored, as ODF requires
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", ODT_CONTENT.replace("{base}", base))
        archive.writestr("Pictures/inside.png", png(rgb=(20, 160, 20)))
    return path


BUILDERS = {"docx": hostile_docx, "pptx": hostile_pptx, "xlsx": hostile_xlsx, "odt": hostile_odt}
