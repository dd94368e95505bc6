"""The Content-Security-Policy of the reader page, which is also the book's.

epub.js renders each chapter in an iframe written from the page (``srcdoc``), and the
book's images, styles and fonts as ``blob:`` URLs made from the EPUB: such a frame has no
policy of its own, it runs under the page's. The site's policy allows ``'self'`` for
images, so a book with ``<img src="/resources/2/download/">`` (or a stylesheet, a video, a
font pointing there) made the reader's browser fetch, count and audit another resource with
the reader's cookies. Here the page, and so the book, may load:

* images, media and fonts: the book's own parts (``blob:``, ``data:``) and our static
  files, never another path of the site;
* styles: the same, plus inline styles (books are full of ``style=`` and ``<style>``, and
  epub.js sets its layout with a ``<style>`` element); styles cannot fetch anything the
  directives above do not allow;
* fetches: our static files and this book's own URLs (``/read/<id>/``: the file and the
  reading position), no frames at all.

Scripts stay as on every page (our own files only); the book's frame cannot run any
(its sandbox has no ``allow-scripts``).
"""

from __future__ import annotations

from csp.constants import NONE, UNSAFE_INLINE
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest

BOOK_PARTS = ["blob:", "data:"]


def _absolute(request: HttpRequest, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"{request.scheme}:{url}"
    return request.build_absolute_uri(url)


def reader_policy(request: HttpRequest, book_prefix: str) -> str:
    """The page's policy; ``book_prefix`` is the path every URL of this book starts with."""
    static = _absolute(request, settings.STATIC_URL)
    book = _absolute(request, book_prefix)
    return build_policy(
        replace={
            "default-src": [static],
            "img-src": [static, *BOOK_PARTS],
            "media-src": [static, *BOOK_PARTS],
            "font-src": [static, *BOOK_PARTS],
            "style-src": [static, "blob:", UNSAFE_INLINE],
            "connect-src": [static, book],
            "frame-src": [NONE],
        }
    )
