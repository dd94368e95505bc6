"""The attack from the security review: a teacher uploads an Office file whose picture (or
object, template, linked section, external workbook) points at an intranet URL, and
LibreOffice in the worker fetched it (OPTIONS, HEAD, GET) into the uploader's preview.

Each file here points at an HTTP server of the test on 127.0.0.1 that records every
request. The preview must still be made, and the server must see nothing: LibreOffice runs
without a network (``PREVIEW_SANDBOX``) and converts a copy without external links
(catalog.previews.links). Each wall is also tested alone, and the unprotected conversion is
shown to reach the server, so that a hostile file that stopped being hostile is noticed.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from catalog.models import Resource
from catalog.previews import convert, services
from catalog.previews.convert import ConversionError
from tests.previews.conftest import make_docx, needs_soffice
from tests.previews.hostile import BUILDERS, recording_server
from tests.previews.test_build_preview import resource_with

Preview = Resource.Preview
KINDS = sorted(BUILDERS)


@pytest.fixture
def server():
    with recording_server() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_indexing(monkeypatch):
    monkeypatch.setattr("catalog.search.indexing.schedule_index", lambda _pk: None)


def hostile(tmp_path: Path, kind: str, base: str) -> Path:
    return BUILDERS[kind](tmp_path / f"教案.{kind}", base)


def without_sandbox(monkeypatch) -> None:
    monkeypatch.setattr(convert, "sandbox_command", lambda: [])


def without_link_removal(monkeypatch) -> None:
    monkeypatch.setattr(
        convert, "copy_without_links", lambda source, _ext, target: shutil.copyfile(source, target)
    )


@needs_soffice
@pytest.mark.parametrize("kind", KINDS)
def test_hostile_office_file_is_previewed_without_reaching_the_server(
    teacher, tmp_path, server, kind
):
    resource = resource_with(teacher, hostile(tmp_path, kind, server.base))

    outcome = services.build_preview(resource.pk)

    assert server.hits == []
    assert outcome.state == Preview.READY, outcome
    resource.refresh_from_db()
    assert resource.preview_state == Preview.READY


@needs_soffice
@pytest.mark.parametrize("kind", KINDS)
def test_link_removal_alone_keeps_libreoffice_off_the_server(tmp_path, server, monkeypatch, kind):
    """As on a worker whose sandbox let the network through: the copy has no links left."""
    without_sandbox(monkeypatch)
    workdir = tmp_path / "work"
    workdir.mkdir()

    pdf = convert.convert_to_pdf(hostile(tmp_path, kind, server.base), kind, workdir)

    assert server.hits == []
    assert convert.pdf_page_count(pdf) >= 1


@needs_soffice
def test_sandbox_alone_keeps_libreoffice_off_the_server(tmp_path, server, monkeypatch):
    """As for a link the removal does not know: LibreOffice has no network to follow it."""
    without_link_removal(monkeypatch)
    workdir = tmp_path / "work"
    workdir.mkdir()

    pdf = convert.convert_to_pdf(hostile(tmp_path, "docx", server.base), "docx", workdir)

    assert server.hits == []
    assert convert.pdf_page_count(pdf) >= 1


@needs_soffice
def test_unprotected_conversion_reaches_the_server(tmp_path, server, monkeypatch):
    """The control: without both walls this LibreOffice fetches the linked picture, as in
    the review. If this fails, the hostile files no longer test anything."""
    without_sandbox(monkeypatch)
    without_link_removal(monkeypatch)
    workdir = tmp_path / "work"
    workdir.mkdir()

    convert.convert_to_pdf(hostile(tmp_path, "docx", server.base), "docx", workdir)

    assert ("GET", "/docx-picture.png") in server.hits


# --- failing closed -------------------------------------------------------------------------


def _host_has_network() -> bool:
    names = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return any(line.split(":", 1)[0].strip() != "lo" for line in names)


@pytest.mark.parametrize(
    ("sandbox", "problem"),
    [
        ("/nonexistent/unshare --net --map-root-user --", "No such file"),
        ('unshare --net "', "unreadable"),
        ("", "empty"),
        pytest.param(
            "env",
            "the network is still there",
            marks=pytest.mark.skipif(not _host_has_network(), reason="no network to see"),
        ),
    ],
    ids=["missing-tool", "unparsable", "empty", "does-not-isolate"],
)
def test_conversion_is_refused_when_no_sandbox_can_be_made(
    settings, tmp_path, monkeypatch, caplog, sandbox, problem
):
    settings.PREVIEW_SANDBOX = sandbox
    monkeypatch.setattr(convert, "soffice_path", lambda: "/usr/bin/soffice")
    document = make_docx(tmp_path / "教案.docx")
    workdir = tmp_path / "work"
    workdir.mkdir()

    with (
        caplog.at_level(logging.ERROR, logger="catalog.previews.convert"),
        pytest.raises(ConversionError) as caught,
    ):
        convert.convert_to_pdf(document, "docx", workdir)

    assert caught.value.code == ConversionError.NO_SANDBOX
    assert "network" in caught.value.reason
    assert problem in caught.value.detail
    assert list(workdir.iterdir()) == []  # refused before LibreOffice had anything to read
    assert "no network-less sandbox" in caplog.text
    assert "PREVIEW_SANDBOX" in caplog.text


def test_preview_fails_with_a_reason_when_no_sandbox_can_be_made(
    settings, teacher, tmp_path, server
):
    settings.PREVIEW_SANDBOX = "/nonexistent/unshare --net --map-root-user --"
    resource = resource_with(teacher, hostile(tmp_path, "docx", server.base))

    outcome = services.build_preview(resource.pk)

    assert outcome.state == Preview.FAILED
    assert outcome.reason == str(ConversionError.MESSAGES[ConversionError.NO_SANDBOX])
    assert server.hits == []
    resource.refresh_from_db()
    assert resource.preview_state == Preview.FAILED


def test_default_sandbox_has_no_network_here():
    """``unshare --net --map-root-user`` works on this machine (root or not, user
    namespaces allowed); the deployment's worker needs the same."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux unshare is missing")
    assert convert.sandbox_command()[:1] == ["unshare"]
