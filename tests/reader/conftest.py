"""E-books for the reader tests, made by the real ingest from generated files."""

from __future__ import annotations

import pytest
from django.utils import translation

from ebooks.ingest import ingest_file
from tests.ebooks.conftest import make_epub3, make_txt

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


@pytest.fixture(autouse=True)
def _reader_settings(settings, tmp_path, intranet_settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path}/objects"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield settings
    translation.deactivate()


@pytest.fixture
def make_book(teacher, tmp_path):
    """``make_book(kind="epub", title=..., **commit_kwargs)``: an ingested e-book."""
    serial = iter(range(1, 1000))

    def make(kind: str = "epub", *, title: str | None = None, **kwargs):
        n = next(serial)
        book = {"title": title or f"小学语文阅读训练{n}"}
        # A distinct ISBN/description per book: the ingest refuses duplicate files.
        book["description"] = f"第{n}本书"
        path = tmp_path / f"book{n}.{kind}"
        if kind == "epub":
            make_epub3(path, book)
        elif kind == "txt":
            make_txt(path, book=book)
        else:
            from tests.ebooks.conftest import make_pdf, soffice_path

            if soffice_path() is None:
                pytest.skip("LibreOffice is needed to make a PDF")
            make_pdf(path, book)
        kwargs.setdefault("owner", teacher)
        kwargs.setdefault("visibility", "public")
        return ingest_file(path, **kwargs)

    return make
