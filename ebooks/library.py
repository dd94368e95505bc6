"""The e-book library ``/ebooks/``: the catalog's list narrowed to e-books, shown as covers.

The filters, facet values and their links come from ``catalog.browse`` with the kind fixed
to ``ebook``, so ``/ebooks/?grade=3`` means what ``/resources/?grade=3`` means. Two things
differ from the catalog's list:

* facets are grade and subject (a library is browsed by them, not by a step-by-step
  textbook trail), counted with every other filter applied;
* without search words the shelf comes from the database, which can order by title and by
  readers (neither is a sort the search engines know); words go to the search engine,
  which offers relevance, newest and most downloaded.

A signed-in student's own grade comes first while no grade or sort is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog import browse, kinds, policy
from catalog.audience import Favour, favour_order
from catalog.models import Resource
from catalog.search import SearchQuery, SearchUnavailable, search
from catalog.search.query import MAX_WINDOW

FIXED = {"kind": [Resource.Kind.EBOOK]}
FACETS = ("grade", "subject")
FACET_TITLES = {"grade": _("Grade"), "subject": _("Subject")}
#: Sorts of the shelf read from the database (no search words).
BROWSE_SORTS = ("newest", "title", "readers", "downloads")
#: Sorts the search engines offer (with search words).
SEARCH_SORTS = ("relevance", "newest", "downloads")
SORT_LABELS = {
    "relevance": _("Best match"),
    "newest": _("Newest"),
    # By the characters' code points: the project has no pinyin collation for ordering.
    "title": _("Book title"),
    "readers": _("Most read"),
    "downloads": _("Most downloaded"),
}
_ORDER = {
    "newest": ("-published_at", "-pk"),
    "title": ("title", "pk"),
    "readers": ("-readers", "-view_count", "-published_at", "-pk"),
    "downloads": ("-download_count", "-published_at", "-pk"),
}
_COLUMNS = {"grade": "grade", "subject": "subject__code"}


@dataclass
class LibraryParams(browse.Params):
    """The catalog's query string, with links back to the library and the fixed kind left
    out of them."""

    def pairs(self, **changes) -> list[tuple[str, str]]:
        return [(k, v) for k, v in super().pairs(**changes) if k not in self.fixed]

    def url(self, **changes) -> str:
        pairs = self.pairs(**changes)
        return "?" + urlencode(pairs) if pairs else reverse("ebooks")


def parse(query) -> LibraryParams:
    """Params from a QueryDict; unknown values are dropped, as on the catalog's list."""
    base = browse.parse(query, fixed=FIXED)
    params = LibraryParams(**{f.name: getattr(base, f.name) for f in fields(base)})
    sort = query.get("sort", "")
    allowed = SEARCH_SORTS if params.text else BROWSE_SORTS
    params.sort = sort if sort in allowed else browse.default_sort(params.text)
    return params


@dataclass
class Book:
    resource: Resource
    read_url: str
    detail_url: str
    cover_url: str

    @property
    def ebook(self):
        return getattr(self.resource, "ebook", None)


@dataclass
class Shelf:
    books: list[Book] = field(default_factory=list)
    total: int = 0
    number: int = 1
    pages: int = 1
    facets: dict[str, list[browse.FacetValue]] = field(default_factory=dict)
    #: The search engine is down and the words could not be looked up.
    unavailable: bool = False
    #: The grade put first for this reader (no grade chosen), or None.
    favoured_grade: int | None = None


def _book(resource: Resource) -> Book:
    has_ebook = getattr(resource, "ebook", None) is not None
    return Book(
        resource=resource,
        read_url=reverse("reader:read", args=[resource.pk]) if has_ebook else "",
        detail_url=reverse("catalog:detail", args=[resource.pk]),
        cover_url=kinds.thumbnail_url(resource) or "",
    )


def _ebooks(request) -> QuerySet[Resource]:
    """Published, visible e-books that have been read in (only those can be opened)."""
    return browse.published_visible(request).filter(kind=Resource.Kind.EBOOK, ebook__isnull=False)


def _facets(
    params: LibraryParams, labels: browse.Labels, counted: dict[str, list[tuple[str, int]]]
) -> dict[str, list[browse.FacetValue]]:
    out = {}
    for name in FACETS:
        values = browse._facet_values(params, labels, name, counted.get(name, []))
        if name == "subject":  # in the taxonomy's order (语文, 数学, 英语 …), as in the steps
            order = {code: i for i, code in enumerate(labels.subject)}
            values.sort(key=lambda f: order.get(f.value, len(order)))
        out[name] = values
    return out


def _browse(
    request, params: LibraryParams, labels: browse.Labels, page_size: int, favoured: int | None
) -> Shelf:
    base = _ebooks(request)
    shelf_qs = browse._apply(base, params)
    order = _ORDER[params.sort]
    if params.sort == "readers":
        shelf_qs = shelf_qs.annotate(readers=Count("reading_positions"))
    # The reader's grade, then the rest of its stage (小学 before 初中 for a pupil).
    shelf_qs = favour_order(
        shelf_qs.select_related("ebook"),
        Favour(favoured) if favoured is not None else None,
        *order,
    )
    paginator = Paginator(shelf_qs, page_size)
    pages = min(paginator.num_pages, _max_pages(page_size))
    page = paginator.page(min(params.page, pages))
    counted = {
        name: browse._grouped(browse._apply(base, params, skip=(name,)), column).most_common()
        for name, column in _COLUMNS.items()
    }
    counted["grade"] = [(str(grade), n) for grade, n in counted["grade"]]
    return Shelf(
        books=[_book(resource) for resource in page.object_list],
        total=paginator.count,
        number=page.number,
        pages=pages,
        facets=_facets(params, labels, counted),
        favoured_grade=favoured,
    )


def _max_pages(page_size: int) -> int:
    # Deep pages are refused by the search engines and slow in the database alike.
    return max(1, MAX_WINDOW // page_size)


def _search(request, params: LibraryParams, labels: browse.Labels, page_size: int) -> Shelf:
    number = min(params.page, _max_pages(page_size))
    try:
        while True:
            found = search(
                SearchQuery(
                    text=params.text,
                    filters=params.search_filters(),
                    sort=params.sort,
                    page=number,
                    page_size=page_size,
                    visibilities=policy.visible_levels(request),
                    facets=FACETS,
                )
            )
            pages = min(max(1, -(-found.total // page_size)), _max_pages(page_size))
            if number <= pages:
                break
            number = pages  # past the end: the last page, as when browsing
    except (SearchUnavailable, ValueError):
        return Shelf(unavailable=True)
    # Hits are checked against the database: the index may lag a withdrawal.
    loaded = _ebooks(request).select_related("ebook").in_bulk(found.ids)
    return Shelf(
        books=[_book(loaded[pk]) for pk in found.ids if pk in loaded],
        total=found.total,
        number=number,
        pages=pages,
        facets=_facets(params, labels, found.facets),
    )


def shelf(
    request,
    params: LibraryParams,
    labels: browse.Labels,
    *,
    page_size: int,
    favoured_grade: int | None = None,
) -> Shelf:
    """The page of books ``params`` asks for, with grade and subject counts.

    ``favoured_grade`` (the reader's own grade) puts that grade's books first, then the
    rest of its stage, while no grade is chosen and no words are searched (search results
    keep their relevance order). The caller passes it only when no sort was chosen.
    """
    if params.text:
        return _search(request, params, labels, page_size)
    favoured = favoured_grade if not params.filters.get("grade") else None
    return _browse(request, params, labels, page_size, favoured)


def sort_links(params: LibraryParams) -> list[tuple[str, str, str, bool]]:
    """(value, label, url, current) for every sort offered with or without words."""
    offered = SEARCH_SORTS if params.text else BROWSE_SORTS
    return [(s, SORT_LABELS[s], params.url(sort=s), s == params.sort) for s in offered]


def chosen_filters(params: LibraryParams, labels: browse.Labels) -> list[tuple[str, str]]:
    """(label, url without it) for every filter the reader chose, as removable chips."""
    chosen = [
        (labels.of(name, value), params.url(**{name: [v for v in values if v != value]}))
        for name, values in params.filters.items()
        if name not in params.fixed
        for value in values
    ]
    if params.tag:
        chosen.append((f"#{params.tag}", params.url(tag=None)))
    if params.node is not None:
        chosen.append((params.node.name, params.url(node=None)))
    return chosen
