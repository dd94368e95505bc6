"""What a file is, from its extension, and whether its content agrees (magic bytes, and
for ZIP-based formats the parts they must hold): damaged or misnamed files are reported,
not imported."""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from catalog.models import Resource

K = Resource.Kind

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD = 4096


def _zip_with(*required: str) -> Callable[[Path, bytes], bool]:
    def check(path: Path, head: bytes) -> bool:
        if not head.startswith(b"PK"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return all(name in names for name in required)

    return check


def _starts(*prefixes: bytes) -> Callable[[Path, bytes], bool]:
    return lambda path, head: head.startswith(prefixes)


def _old_office(path: Path, head: bytes) -> bool:
    # Word/Excel 97–2003; archives also hold RTF, HTML/XML and MHT saved as .doc/.xls, and
    # new-format files renamed: all open in Office.
    lowered = head[:64].lstrip().lower()
    return (
        head.startswith((OLE2, b"{\\rtf"))
        or lowered.startswith((b"<", b"mime-version"))
        or _zip_with("[Content_Types].xml")(path, head)
    )


def _pdf(path: Path, head: bytes) -> bool:
    return b"%PDF-" in head[:1024]


def _iso_media(path: Path, head: bytes) -> bool:
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot")


def _riff(form: bytes) -> Callable[[Path, bytes], bool]:
    return lambda path, head: head[:4] == b"RIFF" and head[8:12] == form


def _mpeg(path: Path, head: bytes) -> bool:
    ts = len(head) > 188 and head[0] == 0x47 and head[188] == 0x47
    return head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")) or ts


def _mp3(path: Path, head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0)


def _text(path: Path, head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


@dataclass(frozen=True)
class FileType:
    kind: str
    content_type: str
    label: str
    check: Callable[[Path, bytes], bool]


_OOXML = _zip_with("[Content_Types].xml")
_ASF = _starts(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")
_RM = _starts(b".RMF")
_MKV = _starts(b"\x1a\x45\xdf\xa3")
_PPT = FileType(K.COURSEWARE, "application/vnd.ms-powerpoint", "PowerPoint", _old_office)
_PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES: dict[str, FileType] = {
    "ppt": _PPT,
    "pptx": FileType(K.COURSEWARE, _PPTX_TYPE, "PowerPoint", _OOXML),
    "key": FileType(K.COURSEWARE, "application/vnd.apple.keynote", "Keynote", _zip_with()),
    "doc": FileType(K.DOCUMENT, "application/msword", "Word", _old_office),
    "docx": FileType(K.DOCUMENT, _DOCX_TYPE, "Word", _OOXML),
    "xls": FileType(K.DOCUMENT, "application/vnd.ms-excel", "Excel", _old_office),
    "xlsx": FileType(K.DOCUMENT, _XLSX_TYPE, "Excel", _OOXML),
    "pdf": FileType(K.DOCUMENT, "application/pdf", "PDF", _pdf),
    "txt": FileType(K.DOCUMENT, "text/plain", "text", _text),
    "zip": FileType(K.PACKAGE, "application/zip", "ZIP", _zip_with()),
    "rar": FileType(K.PACKAGE, "application/vnd.rar", "RAR", _starts(b"Rar!\x1a\x07")),
    "7z": FileType(K.PACKAGE, "application/x-7z-compressed", "7-Zip", _starts(b"7z\xbc\xaf")),
    "mp4": FileType(K.VIDEO, "video/mp4", "MP4 video", _iso_media),
    "mov": FileType(K.VIDEO, "video/quicktime", "QuickTime video", _iso_media),
    "flv": FileType(K.VIDEO, "video/x-flv", "Flash video", _starts(b"FLV")),
    "wmv": FileType(K.VIDEO, "video/x-ms-wmv", "Windows Media video", _ASF),
    "avi": FileType(K.VIDEO, "video/x-msvideo", "AVI video", _riff(b"AVI ")),
    "mkv": FileType(K.VIDEO, "video/x-matroska", "Matroska video", _MKV),
    "mpg": FileType(K.VIDEO, "video/mpeg", "MPEG video", _mpeg),
    "mpeg": FileType(K.VIDEO, "video/mpeg", "MPEG video", _mpeg),
    "rm": FileType(K.VIDEO, "video/vnd.rn-realvideo", "RealMedia video", _RM),
    "rmvb": FileType(K.VIDEO, "video/vnd.rn-realvideo", "RealMedia video", _RM),
    "mp3": FileType(K.AUDIO, "audio/mpeg", "MP3 audio", _mp3),
    "wma": FileType(K.AUDIO, "audio/x-ms-wma", "Windows Media audio", _ASF),
    "m4a": FileType(K.AUDIO, "audio/mp4", "M4A audio", _iso_media),
    "wav": FileType(K.AUDIO, "audio/wav", "WAV audio", _riff(b"WAVE")),
    "jpg": FileType(K.IMAGE, "image/jpeg", "JPEG image", _starts(b"\xff\xd8\xff")),
    "jpeg": FileType(K.IMAGE, "image/jpeg", "JPEG image", _starts(b"\xff\xd8\xff")),
    "png": FileType(K.IMAGE, "image/png", "PNG image", _starts(b"\x89PNG\r\n\x1a\n")),
    "gif": FileType(K.IMAGE, "image/gif", "GIF image", _starts(b"GIF87a", b"GIF89a")),
    "epub": FileType(K.EBOOK, "application/epub+zip", "EPUB", _zip_with("META-INF/container.xml")),
}
LESSON_PLAN_WORDS = ("教案", "教学设计")
EXERCISE_WORDS = ("练习", "习题", "试卷")
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}
SYSTEM_FOLDERS = {"__macosx", "$recycle.bin", "system volume information"}


def kind_for(rel: str, file_type: FileType) -> str:
    ext = rel.rsplit(".", 1)[-1].lower()
    if ext in ("doc", "docx"):
        if any(word in rel for word in LESSON_PLAN_WORDS):
            return K.LESSON_PLAN
        if any(word in rel for word in EXERCISE_WORDS):
            return K.EXERCISE
    if ext in ("xls", "xlsx") and any(word in rel for word in EXERCISE_WORDS):
        return K.EXERCISE
    return file_type.kind


def content_problem(path: Path, file_type: FileType) -> str | None:
    """Why the content does not fit the extension (a damaged or misnamed file), or None."""
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    if file_type.check(path, head):
        return None
    return (
        f"damaged or not really a {file_type.label} file: its content does not match "
        f"the .{path.suffix.lower().lstrip('.')} extension"
    )
