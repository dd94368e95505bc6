"""Office documents to PDF with LibreOffice headless.

Each run gets its own LibreOffice profile (``-env:UserInstallation``) in a private
directory: two conversions sharing a profile block each other or silently hand the file to
the first process. LibreOffice starts helper processes (oosplash, soffice.bin), so it runs
in a new session and a timeout kills the whole process group, not only the shell wrapper.
LibreOffice also exits 0 when it could not load a file; success is a PDF that pypdf reads.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from catalog.previews import ReasonedError

#: Extensions LibreOffice converts (Writer, Impress, Calc and their OpenDocument forms).
OFFICE_EXTENSIONS = frozenset(
    {
        "doc", "docx", "dot", "dotx", "rtf", "odt", "wps",
        "ppt", "pptx", "pps", "ppsx", "pot", "potx", "odp", "dps",
        "xls", "xlsx", "xlsm", "ods", "et", "csv",
    }
)  # fmt: skip

DEFAULT_TIMEOUT = 180.0
MAX_INPUT_BYTES = 300 * 1024 * 1024
OUTPUT_TAIL_BYTES = 4000

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: DOC, PPT, XLS
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # password-protected OOXML


class ConversionError(ReasonedError):
    """A file that could not be turned into a PDF; ``reason`` is shown to people."""

    MISSING_TOOL = "missing_tool"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    UNSAFE = "unsafe"

    MESSAGES = {
        MISSING_TOOL: _("LibreOffice is not installed on the server, so no preview was made."),
        UNSUPPORTED: _("This type of file cannot be previewed."),
        CORRUPT: _("The file is damaged or is not what its name says, so no preview was made."),
        ENCRYPTED: _("The file is protected by a password, so no preview was made."),
        TOO_LARGE: _("The file is too large for a preview."),
        TIMED_OUT: _("Making the preview took too long and was stopped."),
        UNSAFE: _("The file contains entries with unsafe names; it was refused."),
    }


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def sniff_office_problem(path: Path, ext: str) -> str | None:
    """A reason code for files that cannot convert, found before starting LibreOffice."""
    if ext not in OFFICE_EXTENSIONS:
        return ConversionError.UNSUPPORTED
    size = path.stat().st_size
    if size == 0:
        return ConversionError.CORRUPT
    if size > MAX_INPUT_BYTES:
        return ConversionError.TOO_LARGE
    with path.open("rb") as handle:
        head = handle.read(1024 * 1024)
    if head.startswith(_CFB_MAGIC):
        # An OOXML file saved with a password is an OLE container holding EncryptedPackage.
        if _ENCRYPTED_PACKAGE in head:
            return ConversionError.ENCRYPTED
        if ext.endswith("x") or ext in {"odt", "odp", "ods"}:
            return ConversionError.CORRUPT
    elif ext.endswith("x") or ext in {"odt", "odp", "ods", "xlsm"}:
        if not head.startswith(b"PK\x03\x04"):
            return ConversionError.CORRUPT
        return _zip_problem(path)
    elif ext in {"doc", "dot", "ppt", "pps", "pot", "xls", "wps", "dps", "et"}:
        # The binary formats are OLE containers; anything else (HTML, text) renamed to .doc
        # would still "convert" into a PDF of its source code.
        return ConversionError.CORRUPT
    return None


def _zip_problem(path: Path) -> str | None:
    """Refuse archives LibreOffice should not unpack: zip bombs, ``../`` names, damage."""
    from catalog.previews.extract import ExtractionError, SafeZip

    try:
        with SafeZip(path):
            return None
    except ExtractionError as exc:
        return {
            ExtractionError.TOO_LARGE: ConversionError.TOO_LARGE,
            ExtractionError.UNSAFE: ConversionError.UNSAFE,
            ExtractionError.ENCRYPTED: ConversionError.ENCRYPTED,
        }.get(exc.code, ConversionError.CORRUPT)


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - OUTPUT_TAIL_BYTES))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def convert_to_pdf(
    source: Path, ext: str, workdir: Path, *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Convert ``source`` (an Office file whose type is ``ext``) to a PDF inside ``workdir``.

    ``workdir`` must be an empty private directory; the caller removes it. Raises
    :class:`ConversionError` with a reason people can read.
    """
    ext = ext.lower()
    problem = sniff_office_problem(source, ext)
    if problem:
        raise ConversionError(problem)
    soffice = soffice_path()
    if not soffice:
        raise ConversionError(ConversionError.MISSING_TOOL)

    indir, outdir, profile = workdir / "in", workdir / "out", workdir / "profile"
    for directory in (indir, outdir, profile):
        directory.mkdir(mode=0o700)
    # A fixed, harmless name: LibreOffice derives the output name from it and picks the
    # import filter from the extension.
    document = indir / f"document.{ext}"
    shutil.copyfile(source, document)
    log = workdir / "soffice.log"
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        str(document),
    ]
    env = {**os.environ, "HOME": str(profile), "SAL_USE_VCLPLUGIN": "svp"}
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
            start_new_session=True,  # its own process group, killed as a whole
        )
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise ConversionError(
                ConversionError.TIMED_OUT, f"killed after {timeout} s\n{_tail(log)}"
            ) from None
        except BaseException:
            _kill_group(process)
            raise
        finally:
            # soffice.bin may linger after the wrapper exits; never leave it running.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    pdf = outdir / "document.pdf"
    detail = f"exit {returncode}\n{_tail(log)}"
    if returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise ConversionError(ConversionError.CORRUPT, detail)
    if pdf_page_count(pdf) == 0:
        raise ConversionError(ConversionError.CORRUPT, detail)
    return pdf


def pdf_page_count(path: Path) -> int:
    """Pages of a PDF, 0 when pypdf cannot read it."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(path).pages)
    except (PyPdfError, OSError, ValueError, KeyError):
        return 0


def private_workdir(prefix: str = "edu-preview-") -> tempfile.TemporaryDirectory:
    """A private temporary directory (mode 0700) removed when the context exits."""
    return tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True)
