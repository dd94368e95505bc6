"""The e-book reader ``/read/<id>/``, the bytes it fetches, reading positions, and the
e-book library page ``/ebooks/``.

Every request the reader makes (the page, the book file, the cover, the position) goes
through ``catalog.policy.require_view``: the book file is served by us, with byte ranges,
never from a signed object-store link that could be passed on. Downloading the original
is a separate, counted and audited view (``catalog.files.download``) offered only to roles
that may download.
"""

from __future__ import annotations

import math

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from catalog import audience, browse, policy
from catalog.models import Resource, ResourceFile
from ebooks import library as library_shelf
from ebooks.models import EBook
from ebooks.reader.csp import reader_policy
from ebooks.reader.models import MAX_LOCATION_LENGTH, ReadingPosition
from edu_portal.access import AccessDenied
from edu_portal.jsonbody import NO_STORE, BadInput, no_content, read_json_object
from edu_portal.jsonbody import json_error as _json_error
from edu_portal.storage.serving import serve_stored

# The book is the reader's to cache for the session, never a shared cache's.
BOOK_CACHE = "private, max-age=300"
COVER_CACHE = "private, max-age=3600"
MAX_BODY_BYTES = 2048
LIBRARY_PAGE_SIZE = 24
EXTENSIONS = {"epub": EBook.Format.EPUB, "pdf": EBook.Format.PDF, "txt": EBook.Format.TXT}


class Gone(Exception):
    """The resource was deleted: a 410 page (or JSON) instead of the book."""


def _ebook(request: HttpRequest, pk: int) -> tuple[Resource, EBook]:
    """The e-book the client may read; Http404, Gone or AccessDenied otherwise."""
    resource = get_object_or_404(
        Resource.objects.select_related("ebook", "collection"),
        pk=pk,
        kind=Resource.Kind.EBOOK,
    )
    if resource.is_deleted:
        raise Gone
    policy.require_view(request, resource)
    try:
        ebook = resource.ebook
    except EBook.DoesNotExist:
        raise Http404("This e-book has not been read in yet.") from None
    return resource, ebook


def _gone_page(request: HttpRequest) -> HttpResponse:
    context = {
        "gone_title": _("This e-book has been removed"),
        "gone_why": _("The uploader or an administrator deleted it, so it can no longer be read."),
    }
    return render(request, "410.html", context, status=410)


def _original(resource: Resource) -> ResourceFile | None:
    return (
        resource.files.select_related("blob")
        .filter(role=ResourceFile.Role.ORIGINAL)
        .order_by("pk")
        .first()
    )


# --- the reader page --------------------------------------------------------------------------


def _reader_text() -> dict[str, str]:
    """Every string reader.js shows, translated here (JavaScript has no catalogue)."""
    return {
        "loading": _("Opening the book…"),
        "failed": _("The book could not be opened. Reload the page to try again."),
        "refused": _("You may no longer read this book here. Reload the page to see why."),
        # The number arrives with its "%" ("42%"): a literal "%" in a msgid reads as a
        # Python format directive to gettext's tools.
        "progress": _("{percent} read"),
        "page": _("Page {page} of {pages}"),
        "noToc": _("This book has no table of contents."),
        "saveFailed": _("Your reading position could not be saved."),
    }


def _toc_pages(items: list, depth: int = 0) -> list[dict]:
    """``EBook.toc`` entries that name a page, flattened with their depth (PDF outlines)."""
    flat: list[dict] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        page = item.get("page")
        if isinstance(page, int) and page >= 1 and item.get("title"):
            flat.append({"title": str(item["title"]), "page": page, "depth": min(depth, 3)})
        flat.extend(_toc_pages(item.get("children") or [], depth + 1))
    return flat


def saved_position(user, resource: Resource) -> dict | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        ReadingPosition.objects.filter(user=user, resource=resource)
        .values("location", "progress")
        .first()
    )


@never_cache
@require_safe
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """``/read/<id>/``: the book in the reader for its format."""
    try:
        resource, ebook = _ebook(request, pk)
    except Gone:
        return _gone_page(request)
    if ebook.format not in EXTENSIONS.values():
        raise Http404("This e-book cannot be read in the browser.")
    user = request.user
    book_url = reverse("reader:book", args=[resource.pk, ebook.format])
    download_url = ""
    if policy.can_download(user, resource):
        download_url = reverse("resource-download", args=[resource.pk])
    config = {
        "format": ebook.format,
        "bookUrl": book_url,
        "positionUrl": reverse("reader:position", args=[resource.pk])
        if user.is_authenticated
        else "",
        "csrfToken": get_token(request),
        "start": saved_position(user, resource),
        "text": _reader_text(),
    }
    context = {
        "resource": resource,
        "ebook": ebook,
        "book_url": book_url,
        "download_url": download_url,
        "detail_url": reverse("catalog:detail", args=[resource.pk]),
        "pdf_toc": _toc_pages(ebook.toc) if ebook.format == EBook.Format.PDF else [],
        "config": config,
    }
    response = render(request, "reader/read.html", context)
    # The book's frame runs under this page's policy: it may load only the book's parts.
    response["Content-Security-Policy"] = reader_policy(
        request, reverse("reader:read", args=[resource.pk])
    )
    return response


@require_safe
def book(request: HttpRequest, pk: int, ext: str) -> HttpResponse:
    """``/read/<id>/book.<epub|pdf|txt>``: the whole book, with byte ranges."""
    try:
        resource, ebook = _ebook(request, pk)
    except Gone:
        return _gone_page(request)
    if EXTENSIONS.get(ext) != ebook.format:
        raise Http404("The book is not in this format.")
    original = _original(resource)
    key = original.blob.key if original else resource.source_key
    if not key:
        raise Http404("This e-book has no file.")
    return serve_stored(request, key, cache_control=BOOK_CACHE)


@require_safe
def cover(request: HttpRequest, pk: int) -> HttpResponse:
    """``/read/<id>/cover``: the thumbnail (or the cover) for the library grid."""
    try:
        _resource, ebook = _ebook(request, pk)
    except Gone:
        return _gone_page(request)
    image = ebook.thumbnail or ebook.cover
    if image is None:
        raise Http404("This e-book has no cover.")
    return serve_stored(request, image.key, cache_control=COVER_CACHE)


# --- reading position -------------------------------------------------------------------------


def _error(status: int, code: str, detail: str, hint: str = "") -> JsonResponse:
    # Chinese stays readable in the body (UTF-8, not \u escapes), as in the site's other
    # JSON errors.
    return _json_error(status, code, detail, hint, ensure_ascii=False)


def _parse_position(body: bytes, ebook: EBook) -> tuple[str, float]:
    data = read_json_object(body, MAX_BODY_BYTES)

    progress = data.get("progress", 0)
    # JSON true/false are not numbers here, although Python says so.
    if (
        isinstance(progress, bool)
        or not isinstance(progress, int | float)
        or not math.isfinite(progress)
        or not 0 <= progress <= 1
    ):
        raise BadInput("invalid_progress", _("The progress must be a number from 0 to 1."))

    location = data.get("location")
    if ebook.format == EBook.Format.PDF:
        if isinstance(location, str) and location.isascii() and location.isdigit():
            location = int(location)
        if isinstance(location, bool) or not isinstance(location, int) or location < 1:
            raise BadInput("invalid_location", _("The location must be a page number."))
        if ebook.page_count and location > ebook.page_count:
            raise BadInput("invalid_location", _("The book does not have that many pages."))
        return str(location), float(progress)
    if (
        not isinstance(location, str)
        or not location.strip()
        or len(location) > MAX_LOCATION_LENGTH
        or not location.isprintable()
    ):
        raise BadInput(
            "invalid_location",
            _("The location must be a short piece of text naming a place in the book."),
        )
    if ebook.format == EBook.Format.EPUB and not (
        location.startswith("epubcfi(") and location.endswith(")")
    ):
        raise BadInput("invalid_location", _("The location must be an EPUB CFI."))
    return location, float(progress)


@require_http_methods(["GET", "POST"])
def position(request: HttpRequest, pk: int) -> HttpResponse:
    """``GET`` → ``{"location", "progress"}`` or ``null``; ``POST {"location", "progress"}``
    → 204. Only signed-in readers have positions."""
    if request.method == "POST" and not request.user.is_authenticated:
        return _error(403, "login_required", _("Sign in to continue reading where you left off."))
    try:
        resource, ebook = _ebook(request, pk)
    except Http404:
        return _error(404, "not_found", _("No such e-book."))
    except Gone:
        return _error(410, "gone", _("This e-book has been removed."))
    except AccessDenied as denied:
        return _error(403, denied.code, denied.message, denied.hint)
    if request.method == "GET":
        response = JsonResponse(saved_position(request.user, resource), safe=False)
        response["Cache-Control"] = NO_STORE
        return response
    try:
        location, progress = _parse_position(request.body, ebook)
    except BadInput as bad:
        return _error(400, bad.code, bad.message)
    ReadingPosition.objects.bulk_create(
        [
            ReadingPosition(
                user=request.user,
                resource=resource,
                location=location,
                progress=progress,
                updated_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "resource"],
        update_fields=["location", "progress", "updated_at"],
    )
    return no_content()


# --- the library page -------------------------------------------------------------------------


def _reader_grade(request: HttpRequest) -> int | None:
    """The grade whose books come first for this reader: a signed-in pupil's own grade
    (``catalog.audience``), None for everyone else."""
    return audience.grade_of(request.user)


@require_safe
def library(request: HttpRequest) -> HttpResponse:
    """``/ebooks/``: covers of the published e-books the client may read, filtered by grade
    and subject with counts, sorted, searched (``ebooks.library`` does the work)."""
    params = library_shelf.parse(request.GET)
    labels = browse.Labels()
    shelf = library_shelf.shelf(
        request,
        params,
        labels,
        page_size=LIBRARY_PAGE_SIZE,
        # The reader's grade first only in the default order: a chosen sort is obeyed.
        favoured_grade=None if "sort" in request.GET else _reader_grade(request),
    )
    number, pages = shelf.number, shelf.pages
    chosen = library_shelf.chosen_filters(params, labels)
    favoured = shelf.favoured_grade
    context = {
        "params": params,
        "query": params.text,
        "shelf": shelf,
        "books": shelf.books,
        "total": shelf.total,
        "unavailable": shelf.unavailable,
        "facet_groups": [
            (name, library_shelf.FACET_TITLES[name], values)
            for name, values in shelf.facets.items()
            if values
        ],
        "sorts": library_shelf.sort_links(params),
        "chosen": chosen,
        "clear_url": params.url(**{name: None for name in browse.MULTI}, node=None, tag=None),
        "empty_library": not shelf.total and not chosen and not params.text,
        "favoured_label": labels.of("grade", str(favoured)) if favoured else "",
        "favoured_url": params.url(grade=[str(favoured)]) if favoured else "",
        # A new search keeps the filters chosen (shown as removable chips).
        "hidden_filters": params.pairs(q=None, page=None, sort=None),
        "number": number,
        "pages": pages,
        "prev_url": params.url(page=number - 1 if number > 2 else None) if number > 1 else "",
        "next_url": params.url(page=number + 1) if number < pages else "",
    }
    return render(request, "reader/library.html", context)
