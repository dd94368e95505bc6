"""Office packages without their links to the outside, written for LibreOffice to convert.

A document can point outside itself, and LibreOffice follows such pointers while it
converts: a picture linked to an intranet URL was fetched by the worker (OPTIONS, HEAD,
GET) and shown in the preview PDF to the uploader. :func:`sanitise_package` writes a copy
of a zip package (OOXML and OpenDocument) in which nothing points outside the package:

- OOXML relationships (``*.rels``) whose target is external (``TargetMode="External"``, a
  URL or drive letter, or a path leaving the package) are dropped: linked pictures, OLE
  links, ``attachedTemplate``, frames, subdocuments, hyperlinks (their text stays), and
  so are xlsx external workbook links (``externalLink`` parts, which also hold DDE and
  OLE links);
- Word field codes that load something (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE, ...) lose
  their instruction, keeping the result text Word stored;
- any ``href`` or ``src`` attribute (ODF ``xlink:href`` on images, objects, section and
  table sources, fill images; VML; SVG) whose value is not inside the package is emptied,
  except ODF hyperlinks (``text:a``/``draw:a``) to http(s) and mail, which are never fetched.

Entries are read through :class:`~catalog.previews.extract.SafeZip` (its limits apply);
XML is parsed with expat with DTDs refused, and edited in place at the positions the
parser reports, so namespace prefixes and everything else stay byte for byte. An XML
entry that cannot be parsed is left out. The conversion also runs without a network
(convert.py); this copy is the second wall and keeps local files out of previews too.
"""

from __future__ import annotations

import codecs
import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from catalog.previews.extract import ExtractionError, SafeZip

log = logging.getLogger(__name__)

#: Zip packages LibreOffice reads whose links are removed before converting.
PACKAGE_EXTENSIONS = frozenset(
    {
        "docx", "dotx", "docm", "pptx", "ppsx", "potx", "pptm", "xlsx", "xlsm", "xltx",
        "odt", "ott", "odp", "otp", "ods", "ots",
    }
)  # fmt: skip

#: Word fields that load a file or URL (or talk to another program).
FETCHING_FIELDS = frozenset(
    {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "DDE", "DDEAUTO", "IMPORT"}
)

W_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict OOXML
    }
)
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_ODF_HYPERLINKS = {(TEXT_NS, "a"), (DRAW_NS, "a")}
_HYPERLINK_SCHEMES = ("http:", "https:", "mailto:")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_TAG = re.compile(rb"<[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>")
#: Without one of these an XML part cannot hold anything to remove (names cannot be escaped).
_TRIGGERS = (b"href", b"src", b"instr", b"<!")
_ENCODING = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


class _Unparsable(Exception):
    pass


def is_package(ext: str) -> bool:
    return ext.lower() in PACKAGE_EXTENSIONS


def sanitise_package(source: Path, target: Path) -> int:
    """Write ``source`` (a zip package) to ``target`` without external links; returns how
    many links were removed. Raises :class:`ExtractionError` for an unsafe archive."""
    removed = 0
    with SafeZip(source) as archive, zipfile.ZipFile(target, "w") as out:
        infos = archive.zip.infolist()
        # OPC part names are case-insensitive; two entries of one name could be read
        # differently here and by LibreOffice.
        folded = [info.filename.lower() for info in infos]
        if len(set(folded)) != len(folded):
            raise ExtractionError(ExtractionError.CORRUPT, "duplicate entry names")
        for info in infos:
            name = info.filename
            lower = name.lower()
            if info.is_dir():
                out.writestr(info, b"")
                continue
            if lower.startswith("xl/externallinks/"):
                removed += 1  # external workbook, DDE and OLE links of a spreadsheet
                continue
            data = archive.read(name)
            if _looks_like_xml(data):
                try:
                    if lower.endswith(".rels"):
                        data, count = _sanitise_rels(data, name)
                    else:
                        data, count = _sanitise_xml(data)
                except _Unparsable as exc:
                    log.warning("left %s out of a preview copy: %s", name, exc)
                    removed += 1
                    continue
                removed += count
            entry = zipfile.ZipInfo(name, info.date_time)
            entry.compress_type = (
                zipfile.ZIP_STORED
                if info.compress_type == zipfile.ZIP_STORED
                else zipfile.ZIP_DEFLATED
            )
            entry.external_attr = info.external_attr
            out.writestr(entry, data)
    return removed


def is_external(target: str) -> bool:
    """Whether an ODF/SVG/VML reference leaves the package (a URL, an absolute path, a path
    with ``..`` above the package). ``data:`` URLs and ``#fragments`` stay inside."""
    target = _INVISIBLE.sub("", target)
    if not target or target.startswith("#") or target.lower().startswith("data:"):
        return False
    if _SCHEME.match(target) or target.startswith(("/", "\\")):
        return True
    path = posixpath.normpath(unquote(target).replace("\\", "/"))
    return path == ".." or path.startswith(("../", "/"))


def fetching_field(instruction: str) -> bool:
    """Whether a Word field instruction loads something from outside the document."""
    words = instruction.split(None, 1)
    keyword = words[0].upper().lstrip("=") if words else ""
    if keyword in FETCHING_FIELDS:
        return True
    # A field built from nested fields, or naming a URL or UNC path, is not worth the risk.
    return keyword != "HYPERLINK" and (not keyword or "://" in instruction or "\\\\" in instruction)


# --- relationships --------------------------------------------------------------------------


def _rels_external(rels_name: str, target: str, mode: str, kind: str) -> bool:
    if mode.strip().lower() == "external" or kind.rstrip("/").endswith("/externalLink"):
        return True
    target = _INVISIBLE.sub("", target)
    if _SCHEME.match(target) or target.startswith("\\"):
        return True
    # The part a .rels file describes is its name without "_rels/" and ".rels".
    base = posixpath.dirname(posixpath.dirname(rels_name))
    path = unquote(target).replace("\\", "/")
    path = posixpath.normpath(
        path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
    )
    return path == ".." or path.startswith("../")


def _sanitise_rels(data: bytes, name: str) -> tuple[bytes, int]:
    """The relationships without external ones, written out afresh (the format has one
    element with four attributes, so nothing else is lost)."""
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise _Unparsable(repr(exc)) from exc
    kept, removed = [], 0
    for element in root:
        if not isinstance(element.tag, str) or not element.tag.endswith("Relationship"):
            continue
        attrs = {key: element.get(key, "") for key in ("Id", "Type", "Target", "TargetMode")}
        if _rels_external(name, attrs["Target"], attrs["TargetMode"], attrs["Type"]):
            removed += 1
            continue
        kept.append(
            "<Relationship"
            + "".join(f" {key}={quoteattr(value)}" for key, value in attrs.items() if value)
            + "/>"
        )
    if not removed:
        return data, 0
    text = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{RELS_NS}">{"".join(kept)}</Relationships>'
    )
    return text.encode("utf-8"), removed


# --- other XML parts ------------------------------------------------------------------------


def _looks_like_xml(data: bytes) -> bool:
    head = data[:64]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (
        b"<\x00",
        b"\x00<",
    ):
        return True
    return head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")


def _as_utf8(data: bytes) -> bytes:
    """The document in UTF-8, so that edits can work on ASCII delimiters."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif data[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16-le" if data[0] == 0x3C else "utf-16-be"
    else:
        match = _ENCODING.match(data.removeprefix(codecs.BOM_UTF8))
        if not match or match.group(1).lower() in (b"utf-8", b"utf8"):
            return data
        codec = match.group(1).decode("ascii")
    try:
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise _Unparsable(repr(exc)) from exc
    text = re.sub(
        r"^(\ufeff?\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2", r'\1"UTF-8"', text, count=1
    )
    return text.lstrip("\ufeff").encode("utf-8")


@dataclass
class _Field:
    """A complex Word field: its instruction text and where that text lies."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    closed: bool = False


def _qualified(name: str, scope: dict[str, str], *, element: bool) -> tuple[str, str]:
    prefix, _, local = name.rpartition(":")
    if not prefix and not element:
        return "", local  # unprefixed attributes have no namespace
    return scope.get(prefix, ""), local


def _sanitise_xml(data: bytes) -> tuple[bytes, int]:
    data = _as_utf8(data)
    if not any(trigger in data for trigger in _TRIGGERS):
        return data, 0  # most of a spreadsheet's sheets: no need to walk them
    parser = expat.ParserCreate()  # prefixes are resolved below, on the raw names
    parser.buffer_text = True
    scopes: list[dict[str, str]] = [{"xml": XML_NS}]
    attribute_edits: list[tuple[int, str]] = []  # (tag position, raw attribute name)
    text_edits: list[tuple[int, int]] = []  # instruction text to empty
    fields: list[_Field] = []
    instruction: dict = {}

    def refuse(*_args: object) -> None:
        raise _Unparsable("DTD or entity declaration")

    def close(item: _Field) -> None:
        if not item.closed:
            item.closed = True
            if fetching_field("".join(item.text)):
                text_edits.extend(item.spans)

    def start(name: str, attrs: dict[str, str]) -> None:
        position = parser.CurrentByteIndex
        scope = dict(scopes[-1])
        for key, value in attrs.items():
            if key == "xmlns" or key.startswith("xmlns:"):
                scope[key[6:]] = value
        scopes.append(scope)
        tag = _qualified(name, scope, element=True)
        for key, value in attrs.items():
            if key == "xmlns" or key.startswith("xmlns:"):
                continue
            local = _qualified(key, scope, element=False)[1]
            if local in {"href", "src"} and is_external(value):
                keep = tag in _ODF_HYPERLINKS and value.strip().lower().startswith(
                    _HYPERLINK_SCHEMES
                )
                if not keep:
                    attribute_edits.append((position, key))
            elif tag[0] not in W_NAMESPACES:
                continue
            elif tag[1] == "fldSimple" and local == "instr" and fetching_field(value):
                attribute_edits.append((position, key))
            elif tag[1] == "fldChar" and local == "fldCharType":
                if value == "begin":
                    fields.append(_Field())
                elif value == "separate" and fields:
                    close(fields[-1])
                elif value == "end" and fields:
                    close(fields.pop())
        if tag[0] in W_NAMESPACES and tag[1] in {"instrText", "delInstrText"} and not instruction:
            end = _TAG.match(data, position)
            if end and not end.group().endswith(b"/>"):
                # Anything nested inside counts as instruction too, and goes with it.
                instruction.update(start=end.end(), text=[], depth=len(scopes))

    def text(content: str) -> None:
        if instruction:
            instruction["text"].append(content)

    def end(_name: str) -> None:
        depth = len(scopes)
        scopes.pop()
        if instruction and instruction["depth"] == depth:
            span = (instruction["start"], parser.CurrentByteIndex)
            content = "".join(instruction["text"])
            instruction.clear()
            if fields and not fields[-1].closed:
                fields[-1].spans.append(span)
                fields[-1].text.append(content)
            elif fetching_field(content):
                text_edits.append(span)  # an instruction outside any field

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise _Unparsable(repr(exc)) from exc
    for item in fields:
        close(item)
    if not attribute_edits and not text_edits:
        return data, 0
    return _apply(data, attribute_edits, text_edits), len(attribute_edits) + len(text_edits)


def _apply(data: bytes, attribute_edits: list, text_edits: list) -> bytes:
    replacements: list[tuple[int, int, bytes]] = [(a, b, b"") for a, b in text_edits]
    for position, name in attribute_edits:
        tag = _TAG.match(data, position)
        if tag is None:
            raise _Unparsable(f"no tag at {position}")
        pattern = rb"\s" + re.escape(name.encode()) + rb"\s*=\s*(\"[^\"]*\"|'[^']*')"
        found = re.compile(pattern).search(data, position, tag.end())
        if found is None:
            raise _Unparsable(f"attribute {name} not found")
        replacements.append((found.start(1), found.end(1), b'""'))
    out, cursor = [], 0
    for start, stop, value in sorted(replacements):
        if start < cursor:
            continue  # inside an instruction already removed
        out += [data[cursor:start], value]
        cursor = stop
    out.append(data[cursor:])
    return b"".join(out)
