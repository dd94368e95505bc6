"""LibreOffice headless turns real DOCX, PPTX and XLSX files into PDFs that keep their
Chinese text, refuses what it cannot convert with a reason, and never leaves a process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from catalog.previews import convert
from catalog.previews.convert import ConversionError
from tests.previews.conftest import (
    DOCX_WORDS,
    PPTX_WORDS,
    XLSX_WORDS,
    fake_encrypted_ooxml,
    needs_soffice,
)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "words", "pages"),
    [("docx", DOCX_WORDS, 1), ("pptx", PPTX_WORDS, 2), ("xlsx", XLSX_WORDS, 1)],
)
def test_office_file_becomes_pdf_with_its_chinese_text(samples, tmp_path, kind, words, pages):
    pdf = convert.convert_to_pdf(samples[kind], kind, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert len(PdfReader(pdf).pages) == pages
    text = pdf_text(pdf)
    for word in words:
        assert word in text


@needs_soffice
def test_parallel_conversions_use_their_own_profiles(samples, tmp_path):
    results: dict[str, Path | Exception] = {}

    def run(kind: str) -> None:
        workdir = tmp_path / kind
        workdir.mkdir()
        try:
            results[kind] = convert.convert_to_pdf(samples[kind], kind, workdir)
        except Exception as exc:
            results[kind] = exc

    threads = [threading.Thread(target=run, args=(kind,)) for kind in ("docx", "pptx")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(isinstance(result, Path) for result in results.values()), results
    assert PPTX_WORDS[0] in pdf_text(results["pptx"])
    assert DOCX_WORDS[0] in pdf_text(results["docx"])


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


@needs_soffice
def test_timeout_kills_the_whole_process_group(samples, tmp_path):
    with pytest.raises(ConversionError) as caught:
        convert.convert_to_pdf(samples["pptx"], "pptx", tmp_path, timeout=0.3)
    assert caught.value.code == ConversionError.TIMED_OUT
    assert "took too long" in caught.value.reason
    assert _processes_mentioning(str(tmp_path)) == []


@needs_soffice
def test_damaged_docx_is_refused_as_corrupt(samples, tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(samples["docx"].read_bytes()[:2000])
    workdir = tmp_path / "work"
    workdir.mkdir()
    with pytest.raises(ConversionError) as caught:
        convert.convert_to_pdf(broken, "docx", workdir)
    assert caught.value.code == ConversionError.CORRUPT
    assert not (workdir / "out" / "document.pdf").exists()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.docx", b"", ConversionError.CORRUPT),
        ("page.doc", b"<html><body>not a Word file</body></html>", ConversionError.CORRUPT),
        ("text.pptx", "光合作用".encode(), ConversionError.CORRUPT),
        ("program.exe", b"MZ\x90\x00", ConversionError.UNSUPPORTED),
    ],
)
def test_files_that_cannot_be_office_documents_are_refused_before_libreoffice(
    tmp_path, name, data, code
):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ConversionError) as caught:
        convert.convert_to_pdf(path, name.rsplit(".", 1)[1], tmp_path / "unused")
    assert caught.value.code == code
    assert caught.value.reason
    assert not (tmp_path / "unused").exists()


def test_password_protected_office_file_is_refused_with_that_reason(tmp_path):
    path = fake_encrypted_ooxml(tmp_path / "locked.docx")
    with pytest.raises(ConversionError) as caught:
        convert.convert_to_pdf(path, "docx", tmp_path)
    assert caught.value.code == ConversionError.ENCRYPTED
    assert "password" in caught.value.reason


def test_missing_libreoffice_is_a_clear_error(samples, tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "soffice_path", lambda: None)
    with pytest.raises(ConversionError) as caught:
        convert.convert_to_pdf(samples["docx"], "docx", tmp_path)
    assert caught.value.code == ConversionError.MISSING_TOOL
    assert "LibreOffice" in caught.value.reason
