"""A Word document (DOCX) to an article body: checked first, converted by mammoth.

The file is checked before mammoth opens it: its size, that it is a zip package and not a
password-protected one (an OLE container holding ``EncryptedPackage``), that its entries
are safe and their unpacked size bounded (a zip bomb is refused), and that it holds a Word
document. mammoth maps Word's styles to HTML; the HTML is then cleaned to the portal's
rich text (``richtext.clean_html``). Embedded pictures are dropped and counted, so the
editor is told to add them from the image library (with alt text, which Word rarely has).
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import IO

import mammoth
from django.conf import settings
from django.utils.translation import gettext as _

from edu_portal.cms.richtext import clean_html

#: Unpacked size of every entry together; a government document with pictures stays far below.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ENTRIES = 5000
_HEADING = re.compile(r"<h[1-4]>(.*?)</h[1-4]>", re.S)
_TAG = re.compile(r"<[^>]+>")


class DocxError(ValueError):
    """A file that cannot become an article; ``str()`` is a sentence for the editor."""


@dataclass(frozen=True)
class Converted:
    title: str
    html: str
    images_dropped: int
    warnings: tuple[str, ...] = ()


def max_bytes() -> int:
    return settings.WAGTAILDOCS_MAX_UPLOAD_SIZE


def check_docx(path: Path) -> None:
    """Raise DocxError unless ``path`` is a readable, unencrypted, bounded DOCX."""
    from catalog.previews.convert import ConversionError, sniff_office_problem

    size = path.stat().st_size
    if size == 0:
        raise DocxError(_("The file is empty."))
    if size > max_bytes():
        raise DocxError(
            _("The file is larger than %(mb)d MB.") % {"mb": max_bytes() // (1024 * 1024)}
        )
    problem = sniff_office_problem(path, "docx")
    if problem == ConversionError.ENCRYPTED:
        raise DocxError(_("The document is protected by a password. Remove it in Word first."))
    if problem == ConversionError.TOO_LARGE:
        raise DocxError(_("The document unpacks to too much data; it was refused."))
    if problem:
        raise DocxError(_("This is not a Word document (.docx), or it is damaged."))
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocxError(_("This is not a Word document (.docx), or it is damaged.")) from exc
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise DocxError(_("The document unpacks to too much data; it was refused."))
    if "word/document.xml" not in names:
        raise DocxError(_("This is not a Word document (.docx), or it is damaged."))


def _first_heading(html: str) -> str:
    match = _HEADING.search(html)
    if not match:
        return ""
    return " ".join(unescape(_TAG.sub("", match.group(1))).split())[:255]


def convert(path: Path, filename: str) -> Converted:
    """The cleaned body and a title (the first heading, else the file name) of a DOCX."""
    check_docx(path)
    dropped = 0

    def drop_image(image) -> dict:
        nonlocal dropped
        dropped += 1
        return {}

    try:
        with path.open("rb") as handle:
            result = mammoth.convert_to_html(
                handle, convert_image=mammoth.images.img_element(drop_image)
            )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise DocxError(_("This is not a Word document (.docx), or it is damaged.")) from exc
    html = clean_html(result.value)
    title = _first_heading(html) or os.path.splitext(os.path.basename(filename))[0]
    warnings = []
    if dropped:
        warnings.append(
            _(
                "%(count)d picture(s) in the document were not imported: add them from the "
                "image library, with a description for people who cannot see them."
            )
            % {"count": dropped}
        )
    return Converted(
        title=title.strip(), html=html, images_dropped=dropped, warnings=tuple(warnings)
    )


def convert_upload(upload: IO[bytes], filename: str, workdir: Path) -> Converted:
    """Copy an uploaded file into ``workdir`` (a private temporary directory) and convert."""
    target = workdir / "upload.docx"
    if hasattr(upload, "seek"):
        upload.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload, out, 1024 * 1024)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return convert(target, filename)
