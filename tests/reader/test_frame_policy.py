"""The reader page's Content-Security-Policy is also the book frame's (epub.js writes each
chapter into a ``srcdoc`` frame, which has no policy of its own): it lets the book load only
its own parts and our static files, never another path of the portal. The book file and the
cover stay sandboxed. (The browser side: ``tests/browser/test_reader_frame.py``.)"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_the_book_may_load_only_its_own_parts(client, make_book):
    book = make_book("epub")
    found = directives(client.get(f"/read/{book.pk}/"))
    static = "http://testserver/static/"
    for name in ("img-src", "media-src", "font-src"):
        assert sorted(found[name]) == sorted([static, "blob:", "data:"]), name
    # No 'self': "/resources/<id>/download/" from a chapter is refused, as is any other page.
    assert all("'self'" not in found[name] for name in ("default-src", "img-src", "style-src"))
    assert found["default-src"] == [static]
    assert found["connect-src"] == [static, f"http://testserver/read/{book.pk}/"]
    assert found["frame-src"] == ["'none'"]
    assert found["object-src"] == ["'none'"]
    # Scripts as everywhere else: our own files only, never inline or eval.
    assert found["script-src"] == ["'self'"]


def test_an_absolute_static_url_is_used_as_it_is(client, make_book, settings):
    book = make_book("epub")
    settings.STATIC_URL = "https://static.example.edu.cn/portal/"
    found = directives(client.get(f"/read/{book.pk}/"))
    assert "https://static.example.edu.cn/portal/" in found["img-src"]


def test_the_book_file_and_the_cover_are_never_pages(client, make_book):
    book = make_book("epub")
    for path in (f"/read/{book.pk}/book.epub", f"/read/{book.pk}/cover"):
        response = client.get(path)
        assert response.status_code == 200, path
        # serve_stored's sandbox, not the page policy of the middleware.
        assert "sandbox" in response["Content-Security-Policy"].split()
