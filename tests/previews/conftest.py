"""Real documents with Chinese text, made once per session: DOCX and PPTX by python-docx and
python-pptx (as Word and PowerPoint write them), XLSX by XlsxWriter, a PDF by LibreOffice,
an EPUB and hostile archives by zipfile, text files in UTF-8 and GB18030.

LibreOffice tests are skipped only where ``soffice`` is missing; ``make setup`` installs it.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from catalog.previews import convert

needs_soffice = pytest.mark.skipif(
    convert.soffice_path() is None, reason="LibreOffice (soffice) is not installed"
)

DOCX_WORDS = ("勾股定理", "直角三角形")
PPTX_WORDS = ("光合作用", "叶绿体")
XLSX_WORDS = ("姓名", "语文")
EPUB_WORDS = ("第一章", "春眠不觉晓", "第二章")
TXT_TEXT = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n静夜思 李白\n"


@pytest.fixture(autouse=True)
def _preview_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    return settings


def make_docx(path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("勾股定理 教学设计", level=1)
    document.add_paragraph("在直角三角形中，两条直角边的平方和等于斜边的平方。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "课时"
    table.rows[0].cells[1].text = "第一课时"
    document.save(path)
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation

    presentation = Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "光合作用"
    first.placeholders[1].text = "植物利用阳光、水和二氧化碳制造有机物"
    second = presentation.slides.add_slide(presentation.slide_layouts[1])
    second.shapes.title.text = "场所"
    second.placeholders[1].text = "叶绿体是光合作用的场所"
    presentation.save(path)
    return path


def make_xlsx(path: Path) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("期末成绩")
    sheet.write_row(0, 0, ["姓名", "语文", "数学"])
    sheet.write_row(1, 0, ["张三", 95, 88])
    workbook.close()
    return path


def make_epub(path: Path, *, chapter_href: str = "text/ch1.xhtml") -> Path:
    """A small EPUB 3 whose spine lists chapter 1 before chapter 2 (the opposite of the
    archive order, so the test sees that the spine decides)."""
    chapter = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>不应出现</title><style>p{color:red}</style></head>"
        "<body><h1>{title}</h1><p>{body}</p><script>alert(1)</script></body></html>"
    )
    opf = f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:1</dc:identifier><dc:title>唐诗</dc:title>
    <dc:language>zh-CN</dc:language>
  </metadata>
  <manifest>
    <item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>
    <item id="c1" href="{chapter_href}" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
  </manifest>
  <spine><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>"""
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OEBPS/content.opf", opf)
        archive.writestr(
            "OEBPS/text/ch2.xhtml",
            chapter.replace("{title}", "第二章").replace("{body}", "处处闻啼鸟"),
        )
        archive.writestr(
            "OEBPS/text/ch1.xhtml",
            chapter.replace("{title}", "第一章").replace("{body}", "春眠不觉晓"),
        )
        archive.writestr("OEBPS/style.css", "p{}")
    return path


def make_zip_bomb(path: Path, *, megabytes: int = 300) -> Path:
    """A DOCX-looking archive whose document.xml unpacks to ``megabytes`` of spaces."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    return path


def make_traversal_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("../../evil.txt", "x")
    return path


def encrypt_pdf(source: Path, target: Path, *, user_password: str, owner_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def fake_encrypted_ooxml(path: Path) -> Path:
    """What Office writes for a password-protected DOCX: an OLE compound file holding an
    ``EncryptedPackage`` stream (only the header and directory name matter here)."""
    data = io.BytesIO()
    data.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    data.write("EncryptedPackage".encode("utf-16-le") + b"\x00" * 4000)
    path.write_bytes(data.getvalue())
    return path


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> dict[str, Path]:
    """Paths of the generated documents; ``pdf`` only where LibreOffice is installed."""
    root = tmp_path_factory.mktemp("preview-samples")
    files = {
        "docx": make_docx(root / "勾股定理.docx"),
        "pptx": make_pptx(root / "光合作用.pptx"),
        "xlsx": make_xlsx(root / "成绩.xlsx"),
        "epub": make_epub(root / "唐诗.epub"),
    }
    (root / "utf8.txt").write_text(TXT_TEXT, encoding="utf-8")
    (root / "gb18030.txt").write_bytes(TXT_TEXT.encode("gb18030"))
    files["txt_utf8"] = root / "utf8.txt"
    files["txt_gb18030"] = root / "gb18030.txt"
    if convert.soffice_path():
        workdir = root / "make-pdf"
        workdir.mkdir()
        pdf = convert.convert_to_pdf(files["docx"], "docx", workdir)
        files["pdf"] = shutil.copyfile(pdf, root / "勾股定理.pdf")
        files["pdf_locked"] = encrypt_pdf(
            files["pdf"], root / "locked.pdf", user_password="secret", owner_password="owner"
        )
        files["pdf_owner_only"] = encrypt_pdf(
            files["pdf"], root / "owner.pdf", user_password="", owner_password="owner"
        )
    return files


@pytest.fixture
def pdf_samples(samples) -> dict[str, Path]:
    if "pdf" not in samples:
        pytest.skip("LibreOffice (soffice) is not installed; the sample PDF is made by it")
    return samples
