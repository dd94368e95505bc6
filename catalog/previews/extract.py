"""Text of resource files for full-text search: PDF, OOXML, OpenDocument, EPUB and plain text.

Files come from anyone who may upload, so every reader is bounded: archives are checked
for ``../`` and absolute names and for how much they unpack to (a zip bomb declares small
sizes and is stopped while reading), XML is parsed with defusedxml (no DTDs or entities),
and the text kept is capped. Old binary Office files (DOC, PPT, XLS) have no reader here:
their text comes from the PDF LibreOffice made for the preview.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext_lazy as _

from catalog.previews import ReasonedError

MAX_TEXT_CHARS = 1_000_000
MAX_TXT_BYTES = 8 * 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_MEMBER_BYTES = 64 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 256 * 1024 * 1024

TEXT_EXTENSIONS = frozenset({"txt", "csv", "md", "text"})
WORD_EXTENSIONS = frozenset({"docx", "dotx", "docm"})
SLIDE_EXTENSIONS = frozenset({"pptx", "ppsx", "potx", "pptm"})
SHEET_EXTENSIONS = frozenset({"xlsx", "xlsm", "xltx"})
OPENDOCUMENT_EXTENSIONS = frozenset({"odt", "odp", "ods"})
EPUB_EXTENSIONS = frozenset({"epub"})


class ExtractionError(ReasonedError):
    """A file whose text could not be read; ``reason`` is shown to people."""

    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too_large"
    UNSAFE = "unsafe"

    MESSAGES = {
        UNSUPPORTED: _("Text cannot be read from this type of file."),
        CORRUPT: _("The file is damaged or is not what its name says."),
        ENCRYPTED: _("The file is protected by a password."),
        TOO_LARGE: _("The file unpacks to far more data than a document holds; it was refused."),
        UNSAFE: _("The file contains entries with unsafe names; it was refused."),
    }


def can_extract(ext: str) -> bool:
    """Whether :func:`extract_text` reads this type itself (not through a PDF)."""
    return ext in _READERS


def extract_text(path: Path, ext: str) -> str:
    """The text of ``path`` read as type ``ext`` (PDF, DOCX, PPTX, XLSX, ODF, EPUB, TXT)."""
    reader = _READERS.get(ext.lower())
    if reader is None:
        raise ExtractionError(ExtractionError.UNSUPPORTED, ext)
    return clean_text(reader(path))


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Drop NULs (PostgreSQL refuses them) and runs of blank space; cap the length."""
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t\r\f\v\u3000]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()[:limit]


# --- PDF ------------------------------------------------------------------------------------


def open_pdf(path: Path):
    """A pypdf reader, decrypted when only an owner password is set (such PDFs open for
    everyone); :class:`ExtractionError` when it is damaged or needs a password."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError, ValueError) as exc:
                raise ExtractionError(ExtractionError.ENCRYPTED, str(exc)) from exc
            if not opened:
                raise ExtractionError(ExtractionError.ENCRYPTED)
        if len(reader.pages) == 0:
            raise ExtractionError(ExtractionError.CORRUPT, "no pages")
    except ExtractionError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ExtractionError(ExtractionError.CORRUPT, repr(exc)) from exc
    return reader


def pdf_text(path: Path) -> str:
    from pypdf.errors import PyPdfError

    reader = open_pdf(path)
    parts: list[str] = []
    size = 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES or size > MAX_TEXT_CHARS:
            break
        try:
            text = page.extract_text() or ""
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, ZeroDivisionError):
            continue  # one odd page should not cost the text of the others
        parts.append(text)
        size += len(text)
    return "\n\n".join(parts)


# --- plain text -----------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Bytes of a text file as text: BOMs, then UTF-8, then GB18030 (a superset of GBK and
    GB2312, what Chinese Windows saves as "ANSI"), then Big5."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    for codec in ("utf-8", "gb18030", "big5"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            # The read may have stopped inside a multi-byte character.
            if exc.start >= len(data) - 4 and exc.reason.startswith("unexpected end"):
                try:
                    return data[: exc.start].decode(codec)
                except UnicodeDecodeError:
                    pass
    return data.decode("utf-8", "replace")


def txt_text(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_TXT_BYTES)
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractionError(ExtractionError.CORRUPT, "binary data in a text file")
    return decode_text(data)


# --- archives -------------------------------------------------------------------------------


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


class SafeZip:
    """A zip archive read with limits; any problem is an :class:`ExtractionError`."""

    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ExtractionError(ExtractionError.CORRUPT, repr(exc)) from exc
        if len(infos) > MAX_ZIP_ENTRIES:
            raise ExtractionError(ExtractionError.TOO_LARGE, f"{len(infos)} entries")
        for info in infos:
            if _unsafe_name(info.filename):
                raise ExtractionError(ExtractionError.UNSAFE, info.filename)
        if sum(info.file_size for info in infos) > MAX_ZIP_TOTAL_BYTES:
            raise ExtractionError(ExtractionError.TOO_LARGE, "declared size")
        self.names = {info.filename for info in infos}
        self.read_bytes = 0

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.zip.close()

    def read(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        if info.flag_bits & 0x1:
            raise ExtractionError(ExtractionError.ENCRYPTED, name)
        try:
            with self.zip.open(info) as member:
                # Declared sizes can lie: stop after the cap whatever the header says.
                data = member.read(MAX_ZIP_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise ExtractionError(ExtractionError.CORRUPT, f"{name}: {exc!r}") from exc
        self.read_bytes += len(data)
        if len(data) > MAX_ZIP_MEMBER_BYTES or self.read_bytes > MAX_ZIP_TOTAL_BYTES:
            raise ExtractionError(ExtractionError.TOO_LARGE, name)
        return data


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_text(
    data: bytes, *, text: set[str], breaks: set[str], spaces: Iterable[str] = ("tab",)
) -> str:
    """Text of the XML elements named in ``text`` (local names), a newline after each
    element named in ``breaks`` and a space for each in ``spaces``."""
    spaces = set(spaces)
    parts: list[str] = []
    try:
        for event, element in SafeET.iterparse(BytesIO(data), events=("end",)):
            name = _local(element.tag)
            if name in text and element.text:
                parts.append(element.text)
            elif name in spaces:
                parts.append(" ")
            elif name == "br":
                parts.append("\n")
            if name in breaks:
                parts.append("\n")
            if event == "end" and name in breaks:
                element.clear()  # keep memory flat on large documents
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ExtractionError(ExtractionError.CORRUPT, repr(exc)) from exc
    return "".join(parts)


def _numbered(names: Iterable[str], prefix: str) -> list[str]:
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.xml$")
    found = [(int(m.group(1)), name) for name in names if (m := pattern.match(name))]
    return [name for _number, name in sorted(found)]


def docx_text(path: Path) -> str:
    with SafeZip(path) as archive:
        if "word/document.xml" not in archive.names:
            raise ExtractionError(ExtractionError.CORRUPT, "no word/document.xml")
        return xml_text(archive.read("word/document.xml"), text={"t"}, breaks={"p"})


def pptx_text(path: Path) -> str:
    with SafeZip(path) as archive:
        slides = _numbered(archive.names, "ppt/slides/slide")
        if "ppt/presentation.xml" not in archive.names:
            raise ExtractionError(ExtractionError.CORRUPT, "no ppt/presentation.xml")
        return "\n\n".join(
            xml_text(archive.read(name), text={"t"}, breaks={"p"}) for name in slides
        )


def xlsx_text(path: Path) -> str:
    with SafeZip(path) as archive:
        if "xl/workbook.xml" not in archive.names:
            raise ExtractionError(ExtractionError.CORRUPT, "no xl/workbook.xml")
        parts = []
        if "xl/sharedStrings.xml" in archive.names:
            parts.append(xml_text(archive.read("xl/sharedStrings.xml"), text={"t"}, breaks={"si"}))
        for name in _numbered(archive.names, "xl/worksheets/sheet"):
            # Inline strings (<is><t>) live in the sheets; numbers are of no use to search.
            parts.append(xml_text(archive.read(name), text={"t"}, breaks={"is"}))
        return "\n".join(part for part in parts if part.strip())


def odf_text(path: Path) -> str:
    with SafeZip(path) as archive:
        if "content.xml" not in archive.names:
            raise ExtractionError(ExtractionError.CORRUPT, "no content.xml")
        return _odf_content(archive.read("content.xml"))


def _odf_content(data: bytes) -> str:
    # ODF keeps text directly in <text:p>/<text:h> and their <text:span> children (with
    # tails); walk the tree rather than collect element.text only.
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ExtractionError(ExtractionError.CORRUPT, repr(exc)) from exc
    parts: list[str] = []

    def walk(element) -> None:
        name = _local(element.tag)
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if name in {"p", "h"}:
            parts.append("\n")
        elif name in {"s", "tab"}:
            parts.append(" ")

    body = [child for child in root if _local(child.tag) == "body"]
    for element in body or [root]:
        walk(element)
    return "".join(parts)


# --- EPUB -----------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "blockquote", "pre", "table", "dt", "dd", "figcaption", "hr",
}  # fmt: skip
_SKIPPED_TAGS = {"script", "style", "head", "title", "svg", "math"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    return "\n".join(line.strip() for line in "".join(parser.parts).split("\n"))


def _resolve(base_dir: str, href: str) -> str:
    """An archive name for ``href`` relative to ``base_dir``; never outside the archive."""
    href = unquote(href.split("#", 1)[0])
    if not href or href.startswith("/") or "://" in href:
        raise ExtractionError(ExtractionError.UNSAFE, href)
    name = posixpath.normpath(posixpath.join(base_dir, href))
    if name.startswith("../") or name == "..":
        raise ExtractionError(ExtractionError.UNSAFE, href)
    return name


def _parse(data: bytes, what: str):
    try:
        return SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ExtractionError(ExtractionError.CORRUPT, f"{what}: {exc!r}") from exc


def epub_text(path: Path) -> str:
    with SafeZip(path) as archive:
        if "META-INF/container.xml" not in archive.names:
            raise ExtractionError(ExtractionError.CORRUPT, "no META-INF/container.xml")
        container = _parse(archive.read("META-INF/container.xml"), "container.xml")
        rootfile = next(
            (e.get("full-path") for e in container.iter() if _local(e.tag) == "rootfile"), None
        )
        if not rootfile:
            raise ExtractionError(ExtractionError.CORRUPT, "no rootfile")
        opf_name = _resolve("", rootfile)
        if opf_name not in archive.names:
            raise ExtractionError(ExtractionError.CORRUPT, f"missing {opf_name}")
        opf = _parse(archive.read(opf_name), opf_name)
        base = posixpath.dirname(opf_name)
        manifest = {
            item.get("id"): (item.get("href") or "", item.get("media-type") or "")
            for item in opf.iter()
            if _local(item.tag) == "item"
        }
        spine = [e.get("idref") for e in opf.iter() if _local(e.tag) == "itemref"]
        encrypted = _encrypted_names(archive)
        parts: list[str] = []
        size = 0
        for idref in spine:
            href, media_type = manifest.get(idref, ("", ""))
            if not href or "html" not in media_type:
                continue
            name = _resolve(base, href)
            if name in encrypted:
                raise ExtractionError(ExtractionError.ENCRYPTED, name)
            if name not in archive.names:
                continue  # a broken spine entry; the other chapters still count
            text = html_text(decode_text(archive.read(name)))
            parts.append(text)
            size += len(text)
            if size > MAX_TEXT_CHARS:
                break
        return "\n\n".join(parts)


def _encrypted_names(archive: SafeZip) -> set[str]:
    """Files listed in META-INF/encryption.xml (DRM; font obfuscation lists fonts only)."""
    if "META-INF/encryption.xml" not in archive.names:
        return set()
    root = _parse(archive.read("META-INF/encryption.xml"), "encryption.xml")
    return {unquote(e.get("URI") or "") for e in root.iter() if _local(e.tag) == "CipherReference"}


_READERS: dict[str, Callable[[Path], str]] = {
    "pdf": pdf_text,
    **dict.fromkeys(TEXT_EXTENSIONS, txt_text),
    **dict.fromkeys(WORD_EXTENSIONS, docx_text),
    **dict.fromkeys(SLIDE_EXTENSIONS, pptx_text),
    **dict.fromkeys(SHEET_EXTENSIONS, xlsx_text),
    **dict.fromkeys(OPENDOCUMENT_EXTENSIONS, odf_text),
    **dict.fromkeys(EPUB_EXTENSIONS, epub_text),
}
