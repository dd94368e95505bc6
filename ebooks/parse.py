"""Reading e-books: EPUB 2 and 3, PDF and plain text, with no database and no storage.

``read_book(path)`` looks at the content (not the name) and returns a :class:`BookInfo`:
the bibliographic metadata (OPF for EPUB; the info dictionary and XMP for PDF), the table
of contents, a cover image, counts and the full text. Anything wrong with the file is an
:class:`IngestError` with a code and a sentence for people.

The archive and text readers, with their limits (zip bombs, ``../`` names, encodings,
encrypted PDFs), are those of :mod:`catalog.previews.extract`; this module adds a few
stricter checks that only make sense for books and maps their errors to ingest codes.
Everything here is thread-safe: PDFium, which is not, is used under a lock.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext_lazy as _

from catalog.previews import ReasonedError, extract
from catalog.previews.extract import ExtractionError, SafeZip
from catalog.previews.thumbnails import PDFIUM_LOCK

EPUB_MIMETYPE = b"application/epub+zip"
# A single member this much bigger than its compressed size is a bomb, not a book (text
# and markup compress five to ten times; a run of zeros a thousand times).
MAX_RATIO = 100
RATIO_CHECK_FROM = 8 * 1024 * 1024
MAX_COVER_BYTES = 20 * 1024 * 1024
MAX_TOC_ENTRIES = 5000
MAX_TOC_DEPTH = 8
COVER_HEIGHT = 1000  # pixels of the PDF first page rendered as the cover
MAX_COVER_WIDTH = 4000  # a very wide page is rendered smaller, not 1000 px high


class IngestError(ReasonedError):
    """A book that cannot be ingested; ``code`` for programs, ``reason`` for people."""

    BAD_ZIP = "bad_zip"
    MISSING_OPF = "missing_opf"
    ZIP_BOMB = "zip_bomb"
    UNSAFE_PATH = "unsafe_path"
    ENCRYPTED = "encrypted"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    EMPTY = "empty"
    DUPLICATE = "duplicate"

    MESSAGES = {
        BAD_ZIP: _("The file is not a valid EPUB: it is not a readable zip archive."),
        MISSING_OPF: _("The EPUB has no package document (container.xml or the OPF is missing)."),
        ZIP_BOMB: _("The file unpacks to far more data than a book holds; it was refused."),
        UNSAFE_PATH: _(
            "The file contains entries with unsafe names such as “../”; it was refused."
        ),
        ENCRYPTED: _("The book is protected by a password or DRM and cannot be read."),
        UNSUPPORTED: _("This is not an EPUB, PDF or plain-text book."),
        CORRUPT: _("The book is damaged and cannot be read."),
        EMPTY: _("The file is empty."),
        DUPLICATE: _("This book is already in the library (resource %(id)s)."),
    }

    def __init__(self, code: str, detail: str = "", **params: object) -> None:
        super().__init__(code, detail)
        self.params = params

    @property
    def reason(self) -> str:
        message = str(self.MESSAGES[self.code])
        return message % self.params if self.params else message


_FROM_EXTRACTION = {
    ExtractionError.UNSUPPORTED: IngestError.UNSUPPORTED,
    ExtractionError.CORRUPT: IngestError.CORRUPT,
    ExtractionError.ENCRYPTED: IngestError.ENCRYPTED,
    ExtractionError.TOO_LARGE: IngestError.ZIP_BOMB,
    ExtractionError.UNSAFE: IngestError.UNSAFE_PATH,
}


def _mapped(exc: ExtractionError, corrupt: str = IngestError.CORRUPT) -> IngestError:
    code = _FROM_EXTRACTION.get(exc.code, IngestError.CORRUPT)
    if code == IngestError.CORRUPT:
        code = corrupt
    return IngestError(code, exc.detail or exc.code)


@dataclass
class Cover:
    data: bytes
    media_type: str


@dataclass
class BookInfo:
    format: str  # "epub", "pdf" or "txt" (EBook.Format)
    title: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    language: str = ""
    isbn: str = ""  # digits only (ISBN-13, or ISBN-10 ending in X), "" when none is valid
    subjects: list[str] = field(default_factory=list)
    issued: str = ""  # as the book gives it: "2019", "2019-08", "2019-08-01"
    description: str = ""
    page_count: int | None = None
    chapter_count: int | None = None
    # [{"title": ..., "href": archive path[#fragment] (EPUB) or "page": 1-based (PDF),
    #   "children": [...]}]
    toc: list[dict] = field(default_factory=list)
    cover: Cover | None = None
    text: str = ""
    epub_version: str = ""  # "2" or "3" for EPUB
    encoding: str = ""  # TXT only: the encoding the text was read in


# --- dispatch ---------------------------------------------------------------------------------


def read_book(path: Path, filename: str = "") -> BookInfo:
    """The metadata, contents and text of the book at ``path``, recognised by content.

    ``filename`` (the name it was uploaded under) only sharpens the error for a file that
    claims to be an EPUB or PDF and is not one.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise IngestError(IngestError.CORRUPT, repr(exc)) from exc
    if size == 0 or not head.strip(b" \t\r\n\x00"):
        raise IngestError(IngestError.EMPTY)
    suffix = Path(filename or path.name).suffix.lower()
    if head.startswith(b"PK"):
        return read_epub(path)
    if b"%PDF-" in head:
        return read_pdf(path)
    if suffix == ".epub":
        raise IngestError(IngestError.BAD_ZIP, "no zip signature")
    if suffix == ".pdf":
        raise IngestError(IngestError.CORRUPT, "no %PDF header")
    return read_txt(path, title=Path(filename or path.name).stem)


# --- metadata helpers -------------------------------------------------------------------------

_ISBN_CANDIDATE = re.compile(r"(?<![\dXx])(?:97[89][-\s]?)?\d(?:[-\s]?\d){8}[-\s]?[\dXx](?![\dXx])")
_ISBN_LABELLED = re.compile(
    r"ISBN(?:-1[03])?[:：\s]*((?:97[89][-\s]?)?\d[\d\-\s]{8,14}[\dXx])", re.I
)


def normalise_isbn(value: str) -> str:
    """The ISBN in ``value`` as bare digits (a final X for ISBN-10), or "" if none is
    valid: the check digit must match, so a phone number or date does not pass."""
    value = re.sub(r"^(urn:)?isbn[:：\s]*", "", value.strip(), flags=re.I)
    for match in _ISBN_CANDIDATE.finditer(value):
        digits = re.sub(r"[^\dXx]", "", match.group()).upper()
        if _valid_isbn(digits):
            return digits
    return ""


def _valid_isbn(digits: str) -> bool:
    if len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979")):
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
        return (10 - total % 10) % 10 == int(digits[12])
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
        check = 10 if digits[9] == "X" else int(digits[9])
        return (total + check) % 11 == 0
    return False


def isbn_in_text(text: str) -> str:
    """The first valid ISBN written as "ISBN 978-7-…" in ``text`` (a copyright page)."""
    for match in _ISBN_LABELLED.finditer(text):
        isbn = normalise_isbn(match.group(1))
        if isbn:
            return isbn
    return ""


def _one_line(value: object, limit: int = 500) -> str:
    return " ".join(str(value or "").split())[:limit]


def _unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = _one_line(value, 200)
        if value and value not in seen:
            seen.append(value)
    return seen


_LIST_SEPARATORS = re.compile(r"\s*[;；、,，]\s*")


def _split_list(value: str) -> list[str]:
    return _unique(_LIST_SEPARATORS.split(value or ""))


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_xml(data: bytes, what: str):
    try:
        return SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise IngestError(IngestError.CORRUPT, f"{what}: {exc!r}") from exc


def _all_text(element) -> str:
    return _one_line("".join(element.itertext()))


def _cjk_language(text: str) -> str:
    sample = text[:5000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    return "zh" if cjk and cjk * 5 >= len(sample.strip()) else ""


# --- EPUB -------------------------------------------------------------------------------------


def _open_zip(path: Path) -> SafeZip:
    try:
        zipfile.ZipFile(path).close()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestError(IngestError.BAD_ZIP, repr(exc)) from exc
    try:
        archive = SafeZip(path)
    except ExtractionError as exc:
        raise _mapped(exc, IngestError.BAD_ZIP) from exc
    for info in archive.zip.infolist():
        if info.file_size > extract.MAX_ZIP_MEMBER_BYTES or (
            info.file_size > RATIO_CHECK_FROM
            and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            archive.zip.close()
            raise IngestError(IngestError.ZIP_BOMB, info.filename)
    return archive


def _resolve(base: str, href: str) -> str:
    """The archive name ``href`` points to from folder ``base``, fragment kept."""
    href, _sep, fragment = href.partition("#")
    if not href:
        return ""
    try:
        name = extract._resolve(base, href)
    except ExtractionError as exc:
        raise _mapped(exc) from exc
    return f"{name}#{fragment}" if fragment else name


def _read(archive: SafeZip, name: str) -> bytes:
    try:
        return archive.read(name)
    except ExtractionError as exc:
        raise _mapped(exc) from exc


def read_epub(path: Path) -> BookInfo:
    with _open_zip(path) as archive:
        names = archive.names
        if "META-INF/container.xml" not in names:
            raise IngestError(IngestError.MISSING_OPF, "no META-INF/container.xml")
        container = _parse_xml(_read(archive, "META-INF/container.xml"), "container.xml")
        rootfile = next(
            (e.get("full-path") for e in container.iter() if _local(e.tag) == "rootfile"), None
        )
        if not rootfile:
            raise IngestError(IngestError.MISSING_OPF, "no rootfile in container.xml")
        opf_name = _resolve("", rootfile)
        if opf_name not in names:
            raise IngestError(IngestError.MISSING_OPF, f"missing {opf_name}")
        opf = _parse_xml(_read(archive, opf_name), opf_name)
        if _local(opf.tag) != "package":
            raise IngestError(IngestError.MISSING_OPF, f"{opf_name} is not a package document")
        base = posixpath.dirname(opf_name)
        info = BookInfo(format="epub")
        info.epub_version = (opf.get("version") or "2").split(".", 1)[0]
        _opf_metadata(opf, info)
        manifest = _manifest(opf, base)
        spine_element = next((e for e in opf if _local(e.tag) == "spine"), None)
        spine = [
            e
            for e in (spine_element if spine_element is not None else [])
            if _local(e.tag) == "itemref"
        ]
        info.toc = _epub_toc(archive, opf, manifest, spine_element)
        documents = [
            manifest[e.get("idref")]
            for e in spine
            if e.get("idref") in manifest
            and "html" in manifest[e.get("idref")]["media_type"]
            and e.get("linear", "yes") != "no"
        ]
        info.chapter_count = len(info.toc) or len(documents)
        info.cover = _epub_cover(archive, opf, manifest)
    try:
        info.text = extract.clean_text(extract.epub_text(path))
    except ExtractionError as exc:
        raise _mapped(exc) from exc
    if not info.isbn:
        info.isbn = isbn_in_text(info.text[:20000])
    if not info.title:
        info.title = Path(path).stem
    return info


def _opf_metadata(opf, info: BookInfo) -> None:
    metadata = next((e for e in opf if _local(e.tag) == "metadata"), None)
    if metadata is None:
        return
    # EPUB 2 may wrap the Dublin Core elements in <dc-metadata>; iter() sees through it.
    values: dict[str, list] = {}
    for element in metadata.iter():
        values.setdefault(_local(element.tag), []).append(element)

    def texts(name: str) -> list[str]:
        return _unique(_all_text(e) for e in values.get(name, []))

    info.title = next(iter(texts("title")), "")
    info.authors = texts("creator")
    info.publisher = next(iter(texts("publisher")), "")
    info.language = next(iter(texts("language")), "")
    info.subjects = texts("subject")
    info.description = _description(next(iter(texts("description")), ""))
    identifiers = values.get("identifier", [])
    # Prefer the one marked as an ISBN (opf:scheme="ISBN", "urn:isbn:…"), then any valid.
    identifiers.sort(
        key=lambda e: not any("isbn" in (v or "").lower() for v in [*e.attrib.values(), e.text])
    )
    info.isbn = next((i for i in (normalise_isbn(_all_text(e)) for e in identifiers) if i), "")
    dates = values.get("date", [])
    published = [
        e
        for e in dates
        if any(k.endswith("event") and v.lower() == "publication" for k, v in e.attrib.items())
    ]
    info.issued = next((_all_text(e)[:32] for e in published or dates if _all_text(e)), "")


def _description(value: str) -> str:
    if "<" in value:
        value = extract.html_text(value)
    return value.strip()[:5000]


def _manifest(opf, base: str) -> dict[str, dict]:
    items = {}
    for item in opf.iter():
        if _local(item.tag) != "item" or not item.get("id") or not item.get("href"):
            continue
        items[item.get("id")] = {
            "name": _resolve(base, item.get("href")).split("#", 1)[0],
            "media_type": (item.get("media-type") or "").lower(),
            "properties": (item.get("properties") or "").split(),
        }
    return items


def _epub_cover(archive: SafeZip, opf, manifest: dict[str, dict]) -> Cover | None:
    images = {k: v for k, v in manifest.items() if v["media_type"].startswith("image/")}
    chosen = next((v for v in images.values() if "cover-image" in v["properties"]), None)
    if chosen is None:  # EPUB 2: <meta name="cover" content="item id"/>
        cover_id = next(
            (
                e.get("content")
                for e in opf.iter()
                if _local(e.tag) == "meta" and (e.get("name") or "").lower() == "cover"
            ),
            None,
        )
        chosen = images.get(cover_id or "")
    if chosen is None:
        chosen = next(
            (v for k, v in images.items() if "cover" in k.lower() or "cover" in v["name"].lower()),
            None,
        )
    if chosen is None or chosen["name"] not in archive.names:
        return None
    if archive.zip.getinfo(chosen["name"]).file_size > MAX_COVER_BYTES:
        return None
    return Cover(_read(archive, chosen["name"]), chosen["media_type"])


def _epub_toc(archive: SafeZip, opf, manifest: dict[str, dict], spine) -> list[dict]:
    nav = next((v for v in manifest.values() if "nav" in v["properties"]), None)
    if nav is not None and nav["name"] in archive.names:
        toc = _nav_toc(_read(archive, nav["name"]), posixpath.dirname(nav["name"]))
        if toc:
            return toc
    ncx_id = spine.get("toc") if spine is not None else None
    ncx = manifest.get(ncx_id or "") or next(
        (v for v in manifest.values() if v["media_type"] == "application/x-dtbncx+xml"), None
    )
    if ncx is not None and ncx["name"] in archive.names:
        return _ncx_toc(_read(archive, ncx["name"]), posixpath.dirname(ncx["name"]))
    return []


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_TOC_ENTRIES

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _ncx_toc(data: bytes, base: str) -> list[dict]:
    root = _parse_xml(data, "toc.ncx")
    nav_map = next((e for e in root.iter() if _local(e.tag) == "navMap"), None)
    budget = _Budget()

    def points(parent, depth: int) -> list[dict]:
        entries = []
        for point in parent:
            if _local(point.tag) != "navPoint" or not budget.take():
                continue
            label = next((e for e in point.iter() if _local(e.tag) == "text"), None)
            content = next((e for e in point if _local(e.tag) == "content"), None)
            entries.append(
                {
                    "title": _all_text(label) if label is not None else "",
                    "href": _resolve(base, content.get("src") or "") if content is not None else "",
                    "children": points(point, depth + 1) if depth < MAX_TOC_DEPTH else [],
                }
            )
        return entries

    return points(nav_map, 0) if nav_map is not None else []


def _nav_toc(data: bytes, base: str) -> list[dict]:
    root = _parse_xml(data, "nav document")
    navs = [e for e in root.iter() if _local(e.tag) == "nav"]
    toc_nav = next(
        (n for n in navs if any(_local(k) == "type" and "toc" in v for k, v in n.attrib.items())),
        navs[0] if navs else None,
    )
    if toc_nav is None:
        return []
    budget = _Budget()

    def items(ol, depth: int) -> list[dict]:
        entries = []
        for li in ol:
            if _local(li.tag) != "li" or not budget.take():
                continue
            link = next((e for e in li if _local(e.tag) in {"a", "span"}), None)
            child_list = next((e for e in li if _local(e.tag) == "ol"), None)
            entries.append(
                {
                    "title": _all_text(link) if link is not None else "",
                    "href": _resolve(base, unquote(link.get("href") or ""))
                    if link is not None
                    else "",
                    "children": items(child_list, depth + 1)
                    if child_list is not None and depth < MAX_TOC_DEPTH
                    else [],
                }
            )
        return entries

    top = next((e for e in toc_nav if _local(e.tag) == "ol"), None)
    return items(top, 0) if top is not None else []


# --- PDF --------------------------------------------------------------------------------------

_DC = "http://purl.org/dc/elements/1.1/"


def read_pdf(path: Path) -> BookInfo:
    from pypdf.errors import PyPdfError

    try:
        reader = extract.open_pdf(path)
    except ExtractionError as exc:
        raise _mapped(exc) from exc
    info = BookInfo(format="pdf")
    try:
        xmp = _xmp_values(reader)
        meta = reader.metadata or {}
        info.page_count = len(reader.pages)
        info.title = _first(xmp.get("title")) or _one_line(meta.get("/Title"))
        info.authors = _unique(xmp.get("creator") or []) or _split_list(
            str(meta.get("/Author") or "")
        )
        info.publisher = _first(xmp.get("publisher")) or _one_line(meta.get("/Publisher"))
        root = reader.trailer["/Root"]
        info.language = _first(xmp.get("language")) or _one_line(root.get("/Lang"))
        info.subjects = _unique(xmp.get("subject") or []) or _split_list(
            str(meta.get("/Keywords") or "")
        )
        info.description = (
            _first(xmp.get("description")) or _one_line(meta.get("/Subject"), 5000)
        )[:5000]
        info.issued = _first(xmp.get("date"))[:32] or _pdf_date(
            str(meta.get("/CreationDate") or "")
        )
        for candidate in [
            *(xmp.get("isbn") or []),
            *(xmp.get("identifier") or []),
            meta.get("/ISBN"),
        ]:
            if candidate and (isbn := normalise_isbn(str(candidate))):
                info.isbn = isbn
                break
        info.toc = _pdf_outline(reader)
        info.chapter_count = len(info.toc) or None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise IngestError(IngestError.CORRUPT, repr(exc)) from exc
    try:
        info.text = extract.clean_text(extract.pdf_text(path))
    except ExtractionError as exc:
        raise _mapped(exc) from exc
    if not info.isbn:
        info.isbn = isbn_in_text(info.text[:20000])
    if not info.title:
        info.title = Path(path).stem
    info.cover = render_pdf_page(path)
    return info


def _first(values) -> str:
    return next(iter(_unique(values or [])), "")


def _pdf_date(value: str) -> str:
    match = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?", value)
    if not match:
        return ""
    return "-".join(part for part in match.groups() if part)


def _xmp_values(reader) -> dict[str, list[str]]:
    """Dublin Core (and PRISM ISBN) values of the XMP packet, by local name; each rdf:li
    of an Alt/Seq/Bag is a value, as is an element's text or an attribute."""
    try:
        stream = reader.trailer["/Root"].get("/Metadata")
        data = stream.get_object().get_data() if stream is not None else b""
    except Exception:
        return {}
    if not data:
        return {}
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return {}
    wanted = {
        f"{{{_DC}}}{name}"
        for name in ("title", "creator", "publisher", "language", "subject", "date")
    } | {f"{{{_DC}}}identifier", f"{{{_DC}}}description"}
    values: dict[str, list[str]] = {}
    for element in root.iter():
        for key, value in element.attrib.items():
            if key in wanted or _local(key) == "isbn":
                values.setdefault(_local(key), []).append(value)
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in wanted or _local(tag) == "isbn":
            items = [li for li in element.iter() if _local(li.tag) == "li"]
            texts = [_all_text(li) for li in items] if items else [_all_text(element)]
            values.setdefault(_local(tag), []).extend(t for t in texts if t)
    return values


def _pdf_outline(reader) -> list[dict]:
    budget = _Budget()

    def walk(items, depth: int) -> list[dict]:
        entries: list[dict] = []
        for item in items:
            if isinstance(item, list):
                if entries and depth < MAX_TOC_DEPTH:
                    entries[-1]["children"] = walk(item, depth + 1)
                continue
            if not budget.take():
                break
            try:
                page = reader.get_destination_page_number(item) + 1
            except Exception:
                page = None
            entries.append({"title": _one_line(item.title), "page": page, "children": []})
        return entries

    try:
        return walk(reader.outline, 0)
    except Exception:
        return []


def render_pdf_page(path: Path, *, height: int = COVER_HEIGHT, page: int = 0) -> Cover | None:
    """The page rendered as a JPEG ``height`` pixels high (the cover of a PDF book)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
            try:
                pdf_page = document[page]
                width, page_height = pdf_page.get_size()
                if not width or not page_height:
                    return None
                scale = min(height / page_height, MAX_COVER_WIDTH / width)
                bitmap = pdf_page.render(scale=scale)
                image = bitmap.to_pil()
            finally:
                document.close()
        except (pdfium.PdfiumError, IndexError, ValueError):
            return None
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return Cover(out.getvalue(), "image/jpeg")


# --- plain text -------------------------------------------------------------------------------

_CHAPTER = re.compile(
    r"^\s*(第[0-9０-９一二三四五六七八九十百千零〇两]+[章回节卷篇部]|Chapter\s+\d+)[^\n]{0,40}$",
    re.M | re.I,
)


def read_txt(path: Path, *, title: str = "") -> BookInfo:
    with Path(path).open("rb") as handle:
        data = handle.read(extract.MAX_TXT_BYTES)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(IngestError.UNSUPPORTED, "binary data")
    encoding = _encoding_of(data)
    if not encoding:
        raise IngestError(IngestError.UNSUPPORTED, "not text in a known encoding")
    info = BookInfo(format="txt", encoding=encoding)
    info.text = extract.clean_text(extract.decode_text(data))
    if not info.text:
        raise IngestError(IngestError.EMPTY)
    first_line = info.text.split("\n", 1)[0].strip()
    info.title = _one_line(title or first_line, 200)
    headings = [_one_line(m.group()) for m in _CHAPTER.finditer(info.text)][:MAX_TOC_ENTRIES]
    info.chapter_count = len(headings) or None
    info.toc = [{"title": h, "children": []} for h in headings]
    info.language = _cjk_language(info.text)
    info.isbn = isbn_in_text(info.text[:20000])
    return info


def _encoding_of(data: bytes) -> str:
    """The name of the encoding :func:`extract.decode_text` reads ``data`` in."""
    for bom, name in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return name
    for codec in ("utf-8", "gb18030", "big5"):
        try:
            data.decode(codec)
            return codec
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 4 and exc.reason.startswith("unexpected end"):
                return codec
    return ""
