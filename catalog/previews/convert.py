"""Office documents to PDF with LibreOffice headless.

Each run gets its own LibreOffice profile (``-env:UserInstallation``) in a private
directory: two conversions sharing a profile block each other or silently hand the file to
the first process. LibreOffice starts helper processes (oosplash, soffice.bin), so it runs
in a new session and a timeout kills the whole process group, not only the shell wrapper.
LibreOffice also exits 0 when it could not load a file; success is a PDF that pypdf reads.

LibreOffice follows links inside documents (linked pictures, OLE links, templates, field
codes), so a conversion must never reach the network: it runs in a private network namespace
(``PREVIEW_SANDBOX``, by default ``unshare --net --map-root-user``, which root and ordinary
users can both create), checked before every run to show no interface but its own loopback;
when that fails nothing is converted. Zip packages are converted from a copy without
their external links (:mod:`catalog.previews.links`), which also keeps local files out.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from catalog.previews import ReasonedError

log = logging.getLogger(__name__)

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
#: Runs a command with no network of its own; ``PREVIEW_SANDBOX`` overrides it.
DEFAULT_SANDBOX = "unshare --net --map-root-user --"
SANDBOX_CHECK_TIMEOUT = 30.0

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
    NO_SANDBOX = "no_sandbox"

    MESSAGES = {
        MISSING_TOOL: _("LibreOffice is not installed on the server, so no preview was made."),
        UNSUPPORTED: _("This type of file cannot be previewed."),
        CORRUPT: _("The file is damaged or is not what its name says, so no preview was made."),
        ENCRYPTED: _("The file is protected by a password, so no preview was made."),
        TOO_LARGE: _("The file is too large for a preview."),
        TIMED_OUT: _("Making the preview took too long and was stopped."),
        UNSAFE: _("The file contains entries with unsafe names; it was refused."),
        NO_SANDBOX: _(
            "The server cannot open documents cut off from the network, so no preview was made."
        ),
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
    elif ext == "rtf" and not head.lstrip().startswith(b"{\\rtf"):
        # LibreOffice recognises a package or HTML by content whatever the name says, and
        # would then load it without the link removal zip packages get.
        return ConversionError.CORRUPT
    elif ext == "csv" and head.lstrip().startswith((b"PK\x03\x04", b"<")):
        return ConversionError.CORRUPT
    return None


def _zip_problem(path: Path) -> str | None:
    """Refuse archives LibreOffice should not unpack: zip bombs, ``../`` names, damage."""
    from catalog.previews.extract import ExtractionError, SafeZip

    try:
        with SafeZip(path):
            return None
    except ExtractionError as exc:
        return _zip_code(exc)


def _zip_code(exc) -> str:
    from catalog.previews.extract import ExtractionError

    return {
        ExtractionError.TOO_LARGE: ConversionError.TOO_LARGE,
        ExtractionError.UNSAFE: ConversionError.UNSAFE,
        ExtractionError.ENCRYPTED: ConversionError.ENCRYPTED,
    }.get(exc.code, ConversionError.CORRUPT)


def sandbox_command() -> list[str]:
    """The command prefix (``PREVIEW_SANDBOX``) that runs a program without a network.

    It is tried before every conversion: the program it runs must see no network interface
    but loopback (``/proc/self/net/dev``). When it cannot be created here (no user
    namespaces, a missing tool, a setting that does not isolate), the conversion is refused
    with :attr:`ConversionError.NO_SANDBOX` rather than run with the worker's network.
    """
    configured = getattr(settings, "PREVIEW_SANDBOX", DEFAULT_SANDBOX)
    try:
        prefix = shlex.split(configured)
    except ValueError as exc:
        prefix, problem = [], f"unreadable: {exc}"
    else:
        problem = "empty" if not prefix else ""
    if prefix:
        probe = [*prefix, shutil.which("cat") or "/bin/cat", "/proc/self/net/dev"]
        try:
            result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                probe,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=SANDBOX_CHECK_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            problem = repr(exc)
        else:
            interfaces = _interfaces(result.stdout.decode("utf-8", "replace"))
            if result.returncode != 0 or not interfaces:
                error = result.stderr.decode("utf-8", "replace").strip()[-500:]
                problem = f"exit {result.returncode}: {error or 'no output'}"
            elif interfaces != {"lo"}:
                problem = f"the network is still there: {', '.join(sorted(interfaces))}"
    if problem:
        detail = f"PREVIEW_SANDBOX={configured!r}: {problem}"
        log.error("preview conversion refused, no network-less sandbox: %s", detail)
        raise ConversionError(ConversionError.NO_SANDBOX, detail)
    return prefix


def _interfaces(net_dev: str) -> set[str]:
    """Interface names in /proc/net/dev (two header lines, then ``name: counters``)."""
    return {line.split(":", 1)[0].strip() for line in net_dev.splitlines()[2:] if ":" in line}


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
    _wait_group_gone(process.pid)


def _wait_group_gone(pgid: int, seconds: float = 2.0) -> None:
    """SIGKILL is delivered asynchronously: a killed soffice.bin can still be running for a
    moment, so keep killing until the group is gone (or the short bound is reached)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.02)


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
    sandbox = sandbox_command()

    indir, outdir, profile = workdir / "in", workdir / "out", workdir / "profile"
    for directory in (indir, outdir, profile):
        directory.mkdir(mode=0o700)
    # A fixed, harmless name: LibreOffice derives the output name from it and picks the
    # import filter from the extension.
    document = indir / f"document.{ext}"
    copy_without_links(source, ext, document)
    log_path = workdir / "soffice.log"
    command = [
        *sandbox,
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
    with log_path.open("wb") as output:
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
                ConversionError.TIMED_OUT, f"killed after {timeout} s\n{_tail(log_path)}"
            ) from None
        except BaseException:
            _kill_group(process)
            raise
        finally:
            # soffice.bin may linger after the wrapper exits; never leave it running.
            _wait_group_gone(process.pid)

    pdf = outdir / "document.pdf"
    detail = f"exit {returncode}\n{_tail(log_path)}"
    if returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise ConversionError(ConversionError.CORRUPT, detail)
    if pdf_page_count(pdf) == 0:
        raise ConversionError(ConversionError.CORRUPT, detail)
    return pdf


def copy_without_links(source: Path, ext: str, target: Path) -> None:
    """Copy the file LibreOffice will read; zip packages lose their external links."""
    from catalog.previews import links
    from catalog.previews.extract import ExtractionError

    if not links.is_package(ext):
        shutil.copyfile(source, target)
        return
    try:
        removed = links.sanitise_package(source, target)
    except ExtractionError as exc:
        raise ConversionError(_zip_code(exc), exc.detail) from exc
    if removed:
        log.info("removed %d external link(s) from %s before converting", removed, source.name)


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
