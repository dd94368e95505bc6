"""The OPDS catalog: navigation and acquisition feeds, search, covers and book files.

The catalog is an intranet service, like the e-books themselves: a client outside the
education intranet must authenticate as staff with remote access (``access.decide`` for
the intranet level), and is challenged for credentials when it sent none. Inside, only
published, non-deleted e-books whose visibility the client may see are listed.

Acquisition links: anonymous readers get them too, and the book URL answers 401 with a
Basic challenge, which is what makes a reader app ask for a username and password. A
signed-in account that may not download (a student) gets no acquisition link at all,
only the ``alternate`` link to the book's web page.

Each feed page costs a count and one select (e-book, subject, collection, cover and
thumbnail joined in), plus the permission lookups of the user: never a query per entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from catalog import actions, policy
from catalog.models import Resource, ResourceFile
from catalog.search import SearchQuery, SearchUnavailable, search
from catalog.search.query import MAX_WINDOW
from catalog.taxonomy import GRADES, Collection, Subject
from ebooks.models import EBook
from ebooks.opds import feeds
from ebooks.opds.auth import Credentials, challenge, opds_auth
from ebooks.opds.models import CatalogKey
from edu_portal.access import AccessDenied, Visibility, decide
from edu_portal.storage.serving import serve_stored
from edu_portal.workflow.models import State

PAGE_SIZE = 50
COUNT_CACHE_SECONDS = 60
MEDIA_TYPES = {
    EBook.Format.EPUB: "application/epub+zip",
    EBook.Format.PDF: "application/pdf",
    EBook.Format.TXT: "text/plain; charset=utf-8",
}
# The type announced in the feed (readers compare it literally, without parameters).
LINK_TYPES = {**MEDIA_TYPES, EBook.Format.TXT: "text/plain"}
SUMMARY_CHARS = 1000
FEED_CACHE = "private, max-age=60"
IMAGE_CACHE = "private, max-age=86400"


def _text_response(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _refuse(request: HttpRequest, denied: AccessDenied) -> HttpResponse:
    """Anonymous clients are challenged (the reader then asks for credentials); signed-in
    ones are told why, since other credentials would not help them."""
    if not request.user.is_authenticated:
        return challenge(denied.message)
    return _text_response(403, " ".join(part for part in (denied.message, denied.hint) if part))


def _books(levels: list[str]) -> QuerySet[Resource]:
    """Published, non-deleted e-books of the given visibility levels, newest first.

    No join on the EBook row here: a deep page's ids then come from the partial covering
    index alone. A book whose ingest has not finished yet has no EBook row and is left out
    when the page is built (the count may include it for that moment)."""
    return (
        Resource.objects.filter(
            kind=Resource.Kind.EBOOK,
            state=State.PUBLISHED,
            deleted_at__isnull=True,
            visibility__in=levels,
        )
        .select_related("ebook", "ebook__cover", "ebook__thumbnail", "subject", "collection")
        .order_by("-published_at", "-pk")
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _author_names(authors) -> list[str]:
    names = []
    for author in authors or []:
        name = author.get("name", "") if isinstance(author, dict) else str(author)
        if name.strip():
            names.append(name.strip())
    return names


@dataclass
class Catalog:
    """One request's view of the catalog: who asks, what they may see, how links look."""

    request: HttpRequest
    credentials: Credentials

    def __post_init__(self) -> None:
        self.levels = policy.visible_levels(self.request)
        self.user = self.request.user

    # --- links ------------------------------------------------------------------------------

    def url(self, name: str, *args, **params) -> str:
        """Absolute URL of a named route; a ``?key=`` the reader came with is carried on."""
        if self.credentials.key:
            params["key"] = self.credentials.key
        query = {key: value for key, value in params.items() if value not in (None, "")}
        path = reverse(f"opds:{name}", args=args)
        if query:
            path += "?" + urlencode(query)
        return self.request.build_absolute_uri(path)

    def _feed_links(self, self_href: str, up: str | None, kind: str) -> list[feeds.Link]:
        nav = feeds.catalog_type(feeds.NAVIGATION)
        links = [
            feeds.Link("self", self_href, feeds.catalog_type(kind)),
            feeds.Link("start", self.url("root"), nav, _("E-book catalog")),
        ]
        if up:
            links.append(feeds.Link("up", up, nav))
        links.append(
            feeds.Link("search", self.url("opensearch"), feeds.OPENSEARCH_TYPE, _("Search"))
        )
        return links

    # --- entries ----------------------------------------------------------------------------

    def entry(self, resource: Resource) -> feeds.Entry:
        book = resource.ebook
        links = []
        if book.cover_id:
            cover_type = book.cover.content_type or "image/jpeg"
            links.append(feeds.Link(feeds.REL_IMAGE, self.url("cover", resource.pk), cover_type))
        if book.thumbnail_id or book.cover_id:
            image = book.thumbnail if book.thumbnail_id else book.cover
            links.append(
                feeds.Link(
                    feeds.REL_THUMBNAIL,
                    self.url("thumbnail", resource.pk),
                    image.content_type or "image/jpeg",
                )
            )
        if not self.user.is_authenticated or policy.can_download(self.user, resource):
            links.append(
                feeds.Link(
                    feeds.REL_ACQUISITION,
                    self.url("book", resource.pk, book.format),
                    LINK_TYPES.get(book.format, "application/octet-stream"),
                    book.get_format_display(),
                )
            )
        web_page = reverse("catalog:detail", args=[resource.pk])
        links.append(
            feeds.Link("alternate", self.request.build_absolute_uri(web_page), "text/html")
        )
        categories = []
        if resource.subject_id:
            categories.append(
                feeds.Category(self.url("subjects"), resource.subject.code, resource.subject.name)
            )
        if resource.grade in GRADES:
            categories.append(
                feeds.Category(
                    self.url("grades"), str(resource.grade), str(GRADES[resource.grade][1])
                )
            )
        if resource.collection_id:
            categories.append(
                feeds.Category(
                    self.url("collections"), resource.collection.slug, resource.collection.name
                )
            )
        return feeds.Entry(
            id=feeds.urn(f"resource:{resource.pk}"),
            title=resource.title,
            updated=resource.updated_at,
            published=resource.published_at,
            authors=_author_names(book.authors),
            summary=resource.description[:SUMMARY_CHARS],
            categories=categories,
            language=book.language,
            publisher=book.publisher,
            issued=book.issued,
            identifiers=[f"urn:isbn:{book.isbn}"] if book.isbn else [],
            subjects=[str(subject) for subject in book.subjects or [] if str(subject).strip()],
            links=links,
        )

    # --- feeds ------------------------------------------------------------------------------

    def navigation(self, *, name: str, title: str, entries, up: str | None) -> HttpResponse:
        feed = feeds.Feed(
            id=feeds.urn(f"feed:{reverse(f'opds:{name}')}"),
            title=title,
            updated=timezone.now(),
            kind=feeds.NAVIGATION,
            author=settings.SITE_NAME,
            links=self._feed_links(self.url(name), up, feeds.NAVIGATION),
            entries=list(entries),
        )
        return _feed_response(feed)

    def nav_entry(self, *, key: str, title: str, href: str, content: str, count=None):
        return feeds.Entry(
            id=feeds.urn(f"nav:{key}"),
            title=title,
            updated=timezone.now(),
            content=content,
            links=[
                feeds.Link("subsection", href, feeds.catalog_type(feeds.ACQUISITION), count=count)
            ],
        )

    def acquisition(
        self,
        *,
        name: str,
        args: tuple = (),
        title: str,
        up: str,
        resources: list[Resource],
        total: int,
        page: int,
        params: dict | None = None,
    ) -> HttpResponse:
        params = params or {}
        if page > 1 and not resources:
            raise Http404("No such page.")
        last = max(1, -(-total // PAGE_SIZE))
        kind = feeds.ACQUISITION
        pages = {"page": page if page > 1 else None}
        links = self._feed_links(self.url(name, *args, **params, **pages), up, kind)
        acquisition_type = feeds.catalog_type(kind)
        links.append(feeds.Link("first", self.url(name, *args, **params), acquisition_type))
        if page > 1:
            previous = self.url(name, *args, **params, page=page - 1 if page > 2 else None)
            links.append(feeds.Link("previous", previous, acquisition_type))
        if page < last:
            links.append(
                feeds.Link("next", self.url(name, *args, **params, page=page + 1), acquisition_type)
            )
        links.append(
            feeds.Link(
                "last",
                self.url(name, *args, **params, page=last if last > 1 else None),
                acquisition_type,
            )
        )
        links.append(feeds.Link(feeds.REL_SORT_NEW, self.url("new"), acquisition_type, _("Newest")))
        entries = [self.entry(resource) for resource in resources]
        updated = max((entry.updated for entry in entries), default=timezone.now())
        feed = feeds.Feed(
            id=feeds.urn(f"feed:{reverse(f'opds:{name}', args=args)}{urlencode(params)}"),
            title=title,
            updated=updated,
            kind=kind,
            author=settings.SITE_NAME,
            links=links,
            entries=entries,
            page=feeds.Page(total, PAGE_SIZE, (page - 1) * PAGE_SIZE + 1),
        )
        return _feed_response(feed)

    def listing(self, request: HttpRequest, queryset: QuerySet[Resource], **kwargs) -> HttpResponse:
        page = _page_number(request)
        total = _count(queryset)
        offset = (page - 1) * PAGE_SIZE
        resources = []
        if offset < total:
            # Ids first (OFFSET walks the index only), then the 50 rows with their joins.
            ids = list(queryset.values_list("pk", flat=True)[offset : offset + PAGE_SIZE])
            found = queryset.in_bulk(ids)
            resources = [found[pk] for pk in ids if pk in found and _has_ebook(found[pk])]
        return self.acquisition(resources=resources, total=total, page=page, **kwargs)


def _has_ebook(resource: Resource) -> bool:
    try:
        return resource.ebook is not None
    except EBook.DoesNotExist:
        return False


def _count(queryset: QuerySet[Resource]) -> int:
    """The size of a listing, kept for a minute: counting 100,000 visible books costs more
    than building the page, and e-reader apps only show it as "n books"."""
    sql, params = queryset.query.sql_with_params()
    key = "opds:count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    total = cache.get(key)
    if total is None:
        total = queryset.count()
        cache.set(key, total, COUNT_CACHE_SECONDS)
    return total


def _feed_response(feed: feeds.Feed) -> HttpResponse:
    response = HttpResponse(feeds.render(feed), content_type=feed.content_type)
    response["Cache-Control"] = FEED_CACHE
    return response


def _catalog(request: HttpRequest, credentials: Credentials) -> Catalog | HttpResponse:
    """The catalog for this client, or the refusal of a client outside the intranet."""
    decision = decide(request, Visibility.INTRANET)
    if not decision.allowed:
        return _refuse(request, AccessDenied(decision.code, decision.message, decision.hint))
    return Catalog(request, credentials)


def opds_view(view):
    """``opds_auth`` + GET/HEAD only + the catalog (or its refusal) as first argument."""

    @require_safe
    @opds_auth
    def wrapper(request: HttpRequest, *args, credentials: Credentials, **kwargs):
        catalog = _catalog(request, credentials)
        if isinstance(catalog, HttpResponse):
            return catalog
        return view(request, catalog, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- navigation ---------------------------------------------------------------------------


@opds_view
def root(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    entries = [
        catalog.nav_entry(
            key="new",
            title=_("Newest e-books"),
            href=catalog.url("new"),
            content=_("Recently published e-books, newest first."),
        ),
        catalog.nav_entry(
            key="subjects",
            title=_("By subject"),
            href=catalog.url("subjects"),
            content=_("E-books grouped by school subject."),
        ),
        catalog.nav_entry(
            key="grades",
            title=_("By grade"),
            href=catalog.url("grades"),
            content=_("E-books grouped by grade, from grade 1 to grade 12."),
        ),
        catalog.nav_entry(
            key="collections",
            title=_("By collection"),
            href=catalog.url("collections"),
            content=_("E-books grouped by source collection."),
        ),
    ]
    # "Newest" is also the catalog's sort-by-new view.
    entries[0].links[0] = feeds.Link(
        feeds.REL_SORT_NEW, catalog.url("new"), feeds.catalog_type(feeds.ACQUISITION)
    )
    for entry in entries[1:]:
        entry.links[0] = feeds.Link(
            "subsection", entry.links[0].href, feeds.catalog_type(feeds.NAVIGATION)
        )
    return catalog.navigation(
        name="root", title=f"{settings.SITE_NAME} · {_('E-books')}", entries=entries, up=None
    )


def _count_text(count: int) -> str:
    return ngettext("%(count)d e-book", "%(count)d e-books", count) % {"count": count}


def _counts(catalog: Catalog, field: str) -> dict:
    rows = (
        _books(catalog.levels)
        .exclude(**{f"{field}__isnull": True})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
    )
    return {row[field]: row["n"] for row in rows}


@opds_view
def subjects(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    counts = _counts(catalog, "subject")
    entries = [
        catalog.nav_entry(
            key=f"subject:{subject.code}",
            title=subject.name,
            href=catalog.url("subject", subject.code),
            content=_count_text(counts[subject.pk]),
            count=counts[subject.pk],
        )
        for subject in Subject.objects.filter(pk__in=counts)
    ]
    return catalog.navigation(
        name="subjects", title=_("E-books by subject"), entries=entries, up=catalog.url("root")
    )


@opds_view
def grades(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    counts = _counts(catalog, "grade")
    entries = [
        catalog.nav_entry(
            key=f"grade:{number}",
            title=str(label),
            href=catalog.url("grade", number),
            content=_count_text(counts[number]),
            count=counts[number],
        )
        for number, (_stage, label) in GRADES.items()
        if counts.get(number)
    ]
    return catalog.navigation(
        name="grades", title=_("E-books by grade"), entries=entries, up=catalog.url("root")
    )


@opds_view
def collections(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    counts = _counts(catalog, "collection")
    entries = [
        catalog.nav_entry(
            key=f"collection:{collection.slug}",
            title=collection.name,
            href=catalog.url("collection", collection.slug),
            content=collection.description or _count_text(counts[collection.pk]),
            count=counts[collection.pk],
        )
        for collection in Collection.objects.filter(pk__in=counts)
    ]
    return catalog.navigation(
        name="collections",
        title=_("E-books by collection"),
        entries=entries,
        up=catalog.url("root"),
    )


# --- acquisition feeds --------------------------------------------------------------------


@opds_view
def new(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    return catalog.listing(
        request,
        _books(catalog.levels),
        name="new",
        title=_("Newest e-books"),
        up=catalog.url("root"),
    )


def _listing_by(
    request: HttpRequest, catalog: Catalog, field: str, arg, value, title
) -> HttpResponse:
    """The books whose ``field`` is ``value``: the feed named ``field`` (URL argument
    ``arg``), under the navigation feed of them all (``field`` + "s")."""
    return catalog.listing(
        request,
        _books(catalog.levels).filter(**{field: value}),
        name=field,
        args=(arg,),
        title=title,
        up=catalog.url(f"{field}s"),
    )


@opds_view
def subject(request: HttpRequest, catalog: Catalog, code: str) -> HttpResponse:
    found = Subject.objects.filter(code=code).first()
    if found is None:
        raise Http404("No such subject.")
    return _listing_by(request, catalog, "subject", code, found, found.name)


@opds_view
def grade(request: HttpRequest, catalog: Catalog, number: int) -> HttpResponse:
    if number not in GRADES:
        raise Http404("No such grade.")
    return _listing_by(request, catalog, "grade", number, number, str(GRADES[number][1]))


@opds_view
def collection(request: HttpRequest, catalog: Catalog, slug: str) -> HttpResponse:
    found = Collection.objects.filter(slug=slug).first()
    if found is None:
        raise Http404("No such collection.")
    return _listing_by(request, catalog, "collection", slug, found, found.name)


# --- search -------------------------------------------------------------------------------


@opds_view
def opensearch(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    template = catalog.url("search")
    template += ("&" if "?" in template else "?") + "q={searchTerms}"
    body = feeds.opensearch_description(
        short_name=_("E-books"),
        description=_("Search the e-books of %(site)s") % {"site": settings.SITE_NAME},
        template=template,
        language=get_language() or settings.LANGUAGE_CODE,
    )
    response = HttpResponse(body, content_type=feeds.OPENSEARCH_TYPE)
    response["Cache-Control"] = FEED_CACHE
    return response


@opds_view
def search_feed(request: HttpRequest, catalog: Catalog) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:200]
    page = _page_number(request)
    if (page - 1) * PAGE_SIZE + PAGE_SIZE > MAX_WINDOW:
        raise Http404("Search results are not paged this deep.")
    query = SearchQuery(
        text=text,
        filters={"kind": [Resource.Kind.EBOOK]},
        page=page,
        page_size=PAGE_SIZE,
        visibilities=catalog.levels,
        facets=(),
    )
    try:
        results = search(query)
    except SearchUnavailable:
        response = _text_response(503, _("Search is temporarily unavailable."))
        response["Retry-After"] = "30"
        return response
    ids = results.ids
    found = _books(catalog.levels).in_bulk(ids)
    resources = [found[pk] for pk in ids if pk in found and _has_ebook(found[pk])]
    return catalog.acquisition(
        name="search",
        title=_("Search: %(text)s") % {"text": text} if text else _("Search"),
        up=catalog.url("root"),
        resources=resources,
        total=results.total,
        page=page,
        params={"q": text},
    )


# --- covers and books ---------------------------------------------------------------------


def _ebook_resource(pk: int) -> Resource:
    resource = (
        Resource.objects.select_related("ebook", "ebook__cover", "ebook__thumbnail")
        .filter(pk=pk, kind=Resource.Kind.EBOOK, ebook__isnull=False)
        .first()
    )
    if resource is None:
        raise Http404("No such e-book.")
    return resource


def _image(request: HttpRequest, catalog: Catalog, pk: int, *, thumbnail: bool) -> HttpResponse:
    resource = _ebook_resource(pk)
    if resource.is_deleted:
        return _text_response(410, _("This e-book has been removed."))
    try:
        policy.require_view(request, resource)
    except AccessDenied as denied:
        return _refuse(request, denied)
    book = resource.ebook
    # A book with a cover but no thumbnail yet: the cover does, readers scale it.
    blob = (book.thumbnail or book.cover) if thumbnail else book.cover
    if blob is None:
        raise Http404("This e-book has no cover.")
    return serve_stored(request, blob.key, cache_control=IMAGE_CACHE)


@opds_view
def cover(request: HttpRequest, catalog: Catalog, pk: int) -> HttpResponse:
    return _image(request, catalog, pk, thumbnail=False)


@opds_view
def thumbnail(request: HttpRequest, catalog: Catalog, pk: int) -> HttpResponse:
    return _image(request, catalog, pk, thumbnail=True)


def _is_resumed(request: HttpRequest) -> bool:
    """A Range that does not start at byte 0 continues a download already counted."""
    header = request.META.get("HTTP_RANGE", "").replace(" ", "")
    return header.startswith("bytes=") and not header.startswith("bytes=0-")


def _file_name(resource: Resource, original: ResourceFile | None, extension: str) -> str:
    name = (original.filename if original else "") or resource.source_filename
    if not name:
        name = get_valid_filename(resource.title) or f"ebook-{resource.pk}"
    if not name.lower().endswith(f".{extension}"):
        name = f"{name}.{extension}"
    return name


@opds_view
def book(request: HttpRequest, catalog: Catalog, pk: int, extension: str) -> HttpResponse:
    resource = _ebook_resource(pk)
    if resource.ebook.format != extension:
        raise Http404("This e-book is not available in that format.")
    if resource.is_deleted:
        return _text_response(410, _("This e-book has been removed."))
    try:
        policy.require_download(request, resource)
    except AccessDenied as denied:
        return _refuse(request, denied)
    original = resource.files.select_related("blob").filter(role=ResourceFile.Role.ORIGINAL).first()
    key = original.blob.key if original else resource.source_key
    if not key:
        raise Http404("This e-book has no file.")
    response = serve_stored(
        request,
        key,
        cache_control="private, no-store",
        filename=_file_name(resource, original, extension),
    )
    if response.status_code in (200, 206):
        response["Content-Type"] = MEDIA_TYPES[resource.ebook.format]
        if request.method == "GET" and not _is_resumed(request):
            actions.record_download(resource, f"opds:{extension}", user=request.user)
    return response


# --- the reader's catalog key ----------------------------------------------------------------


def _with_userinfo(url: str, username: str, key: str) -> str:
    """``https://user:key@host/opds/``: readers that take only a URL then send the key as
    Basic credentials, and it never appears in a request line or an access log."""
    parts = urlsplit(url)
    netloc = f"{quote(username, safe='')}:{quote(key, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    """The catalog address and the user's catalog key. POST ``action=new`` makes a new key
    (shown on this one response only: only its hash is kept), ``action=revoke`` ends it."""
    user = request.user
    new_key = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            CatalogKey.revoke(user)
            return redirect("opds:token")
        new_key = CatalogKey.issue(user)
    existing = CatalogKey.objects.select_related("user").filter(user=user).first()
    root_url = request.build_absolute_uri(reverse("opds:root"))
    context = {
        "root_url": root_url,
        "username": user.get_username(),
        "key": new_key,
        "key_created": existing.created_at if existing else None,
        "key_stale": existing is not None and not existing.is_current(),
    }
    if new_key:
        context["userinfo_url"] = _with_userinfo(root_url, user.get_username(), new_key)
        context["key_url"] = f"{root_url}?{urlencode({'key': new_key})}"
    response = render(request, "opds/token.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
