"""What kind of file a resource's file is: from its name first, from its bytes later.

Kept in the catalog because every way a file enters it (tus uploads in media_pipeline,
previews here) must agree on the types a resource may have.

At creation the client only tells us a file name and maybe a MIME type (browsers derive
that from the extension too, and Windows offers odd ones such as
``video/vnd.dlna.mpeg-tts`` for ``.ts``). A known extension decides, through the table
below; otherwise the declared type does. The result must match ``UPLOAD_ALLOWED_TYPES``
(shell-style patterns such as ``video/*``).

The first bytes then have to agree, because a name is only a claim: a video
must start like a media container, a PDF like a PDF, and nothing that starts like a web
page, a script or a program is accepted under any name. This is a quick sniff that stops
wrong files early with a clear message; ffprobe has the final word on media later.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable

#: Bytes of the upload's head that :func:`content_problem` looks at.
SNIFF_BYTES = 4096

GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}

EXTENSIONS: dict[str, str] = {
    # video
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "avi": "video/x-msvideo",
    "wmv": "video/x-ms-wmv",
    "asf": "video/x-ms-asf",
    "flv": "video/x-flv",
    "f4v": "video/mp4",
    "mpg": "video/mpeg",
    "mpeg": "video/mpeg",
    "vob": "video/mpeg",
    "ts": "video/mp2t",
    "mts": "video/mp2t",
    "m2ts": "video/mp2t",
    "3gp": "video/3gpp",
    "ogv": "video/ogg",
    "rm": "video/vnd.rn-realvideo",
    "rmvb": "video/vnd.rn-realvideo",
    # audio
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "wma": "audio/x-ms-wma",
    "amr": "audio/amr",
    # documents
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ppsx": "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "epub": "application/epub+zip",
    "zip": "application/zip",
    "txt": "text/plain",
    # images
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    # never allowed by default, but named so that the refusal names the right type
    "html": "text/html",
    "htm": "text/html",
    "svg": "image/svg+xml",
    "exe": "application/x-msdownload",
    "js": "text/javascript",
}


def normalise(mime: str) -> str:
    """``Video/MP4; codecs=avc1`` -> ``video/mp4``."""
    return mime.split(";", 1)[0].strip().lower()


#: Longest type accepted from a client, parameters included (``Blob.content_type`` holds
#: 120 characters; types are stored without parameters).
MAX_TYPE_LENGTH = 100
# RFC 6838 names: type "/" subtype, each a letter or digit then restricted-name characters.
_NAME_PART = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}"
_MIME_TYPE = re.compile(rf"{_NAME_PART}/{_NAME_PART}", re.ASCII)


def is_valid_type(mime: str) -> bool:
    """Whether a declared type may be looked at at all: ``type/subtype`` made of RFC 6838
    name characters, optional parameters of printable ASCII, no control characters (a CR
    or LF would end up in a response header), at most MAX_TYPE_LENGTH characters."""
    if len(mime) > MAX_TYPE_LENGTH or not mime.isascii() or not mime.isprintable():
        return False
    return bool(_MIME_TYPE.fullmatch(normalise(mime)))


def extension(filename: str) -> str:
    base = posixpath.basename(filename.replace("\\", "/"))
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


def effective_type(filename: str, filetype: str) -> str | None:
    """The type an upload is treated as: from a known extension, else as declared (which
    must pass :func:`is_valid_type`; an invalid one counts as not given)."""
    by_extension = EXTENSIONS.get(extension(filename))
    if by_extension:
        return by_extension
    if not is_valid_type(filetype):
        return None
    declared = normalise(filetype)
    return None if declared in GENERIC_TYPES else declared


def is_allowed(mime: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(mime, normalise(pattern)) for pattern in patterns)


# --- content sniffing ---------------------------------------------------------------------

_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp", b"sidx"}


def _is_media(head: bytes) -> bool:
    if head[4:8] in _MP4_BOXES:  # MP4, MOV, 3GP, M4A, F4V
        return True
    prefixes = (
        b"\x1a\x45\xdf\xa3",  # Matroska, WebM
        b"\x00\x00\x01\xba",  # MPEG program stream (MPG, VOB)
        b"\x00\x00\x01\xb3",  # MPEG video elementary stream
        b"FLV\x01",
        b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",  # ASF: WMV, WMA
        b"OggS",
        b".RMF",  # RealMedia
        b"ID3",  # MP3 with a tag
        b"fLaC",
        b"#!AMR",
    )
    if head.startswith(prefixes):
        return True
    if head[:4] in (b"RIFF", b"RIFX") and head[8:12] in (b"AVI ", b"WAVE"):
        return True
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return True
    # MPEG transport stream: a sync byte every 188 bytes (192 in M2TS / AVCHD).
    for start, step in ((0, 188), (4, 192)):
        probes = [start + step * n for n in range(3) if start + step * n < len(head)]
        if len(probes) >= 2 and all(head[p] == 0x47 for p in probes):
            return True
    # MPEG audio frame (MP3 without a tag, AAC in ADTS): 11 set sync bits.
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def _is_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]  # the spec tolerates junk before the header


def _is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")  # DOCX, PPTX, XLSX, EPUB, ZIP


def _is_ole(head: bytes) -> bool:
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # DOC, PPT, XLS


def _is_image(head: bytes) -> bool:
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )


def _is_text(head: bytes) -> bool:
    """Plain text in the encodings Chinese teachers' files come in (UTF-8, GBK/GB18030);
    a multi-byte character cut at the end of the sniffed block is not held against it."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:
                return True
    return False


_ACTIVE_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<?php", b"<?xml", b"<svg")


def _is_active(head: bytes) -> bool:
    """Programs and pages: never wanted, whatever they are called."""
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        return True
    if head.startswith(b"#!") and not head.startswith(b"#!AMR"):  # a script
        return True
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(_ACTIVE_MARKERS)


# (family, check, patterns of the types it applies to); the first matching row decides.
_RULES = (
    ("media", _is_media, ("video/*", "audio/*")),
    ("pdf", _is_pdf, ("application/pdf",)),
    (
        "document",
        lambda head: _is_zip(head) or _is_ole(head),
        (
            "application/vnd.openxmlformats-officedocument.*",
            "application/msword",
            "application/vnd.ms-*",
            "application/epub+zip",
            "application/zip",
            "application/vnd.oasis.opendocument.*",
        ),
    ),
    ("image", _is_image, ("image/*",)),
    ("text", _is_text, ("text/plain",)),
)


def content_problem(mime: str, head: bytes) -> str | None:
    """None when ``head`` (the first SNIFF_BYTES, or the whole file if smaller) fits
    ``mime``; else the family it should have been ("media", "pdf", ...) or "active"."""
    if _is_active(head):
        return "active"
    for family, check, patterns in _RULES:
        if is_allowed(mime, patterns):
            return None if check(head) else family
    return None  # a type the operator allowed that we have no signature for


# --- the type a file is stored with -------------------------------------------------------

_ZIP_DOCUMENTS = (
    "application/vnd.openxmlformats-officedocument.*",
    "application/epub+zip",
    "application/zip",
    "application/vnd.oasis.opendocument.*",
)
_OLE_DOCUMENTS = ("application/msword", "application/vnd.ms-*")


def _media_type(head: bytes, family: str) -> str | None:
    """The media type the head shows; ``family`` ("video" or "audio") decides only for
    containers that hold either."""
    box = head[4:8]
    if box == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand[:3] in (b"M4A", b"M4B", b"M4P"):
            return "audio/mp4"
        return f"{family}/3gpp" if brand.startswith(b"3g") else f"{family}/mp4"
    if box in _MP4_BOXES:
        return "video/quicktime" if family == "video" else "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return f"{family}/webm" if b"webm" in head[:64] else f"{family}/x-matroska"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "video/mpeg"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video/x-ms-asf" if family == "video" else "audio/x-ms-wma"
    prefixes = {
        b"FLV\x01": "video/x-flv",
        b"OggS": f"{family}/ogg",
        b".RMF": "video/vnd.rn-realvideo",
        b"ID3": "audio/mpeg",
        b"fLaC": "audio/flac",
        b"#!AMR": "audio/amr",
    }
    for prefix, mime in prefixes.items():
        if head.startswith(prefix):
            return mime
    if head[:4] in (b"RIFF", b"RIFX") and head[8:12] in (b"AVI ", b"WAVE"):
        return "video/x-msvideo" if head[8:12] == b"AVI " else "audio/wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if _is_media(head):  # what is left: MPEG transport stream or an MPEG audio frame
        if head[0] == 0xFF:
            return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
        return "video/mp2t"
    return None


def sniffed_type(head: bytes, hint: str = "") -> str | None:
    """The type the first bytes of a file show, or None when they name none we know.

    ``hint`` is the (already checked) type the file was announced as. It is used only
    where the bytes cannot tell: video or audio in a container that holds either, and the
    exact document type of a ZIP or OLE container (DOCX, EPUB, XLS, ...).
    """
    family = "audio" if hint.startswith("audio/") else "video"
    if _is_active(head):
        return None
    media = _media_type(head, family)
    if media:
        return media
    if _is_pdf(head):
        return "application/pdf"
    images = {
        b"\xff\xd8\xff": "image/jpeg",
        b"\x89PNG\r\n\x1a\n": "image/png",
        b"GIF87a": "image/gif",
        b"GIF89a": "image/gif",
    }
    for prefix, mime in images.items():
        if head.startswith(prefix):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if _is_zip(head):
        return hint if is_allowed(hint, _ZIP_DOCUMENTS) else "application/zip"
    if _is_ole(head):
        return hint if is_allowed(hint, _OLE_DOCUMENTS) else "application/octet-stream"
    if head and _is_text(head):
        return "text/plain"
    return None


def stored_type(filename: str, checked_type: str, head: bytes) -> str:
    """The type a finished upload is stored, and later served, with.

    The known type of its extension; else the type its first bytes show; else (a type the
    operator allowed that has no signature) ``checked_type``, the announced type after
    :func:`is_valid_type` and the allow-list. Never the string the client sent as such.
    """
    by_extension = EXTENSIONS.get(extension(filename))
    if by_extension:
        return by_extension
    sniffed = sniffed_type(head, checked_type)
    if sniffed:
        return sniffed
    return normalise(checked_type) if is_valid_type(checked_type) else "application/octet-stream"
