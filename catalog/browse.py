"""The resource list behind ``/resources/``: filters from the query string, the step-by-step
browse (stage → grade → subject → book → unit → lesson) with counts, and the results from
the search backend, or from the database when the search engine is down.

Everything here returns plain data for the templates; the views stay thin.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import kinds, policy
from catalog.audience import Favour, favour_order
from catalog.models import Resource
from catalog.search import SearchQuery, SearchUnavailable, search
from catalog.search.query import MAX_WINDOW
from catalog.taxonomy import GRADES, Collection, Edition, Stage, Subject, TextbookNode
from edu_portal.workflow.models import State

PAGE_SIZE = 20
#: Facets shown beside the results. Without text, stage, grade and subject are chosen by
#: the browse steps above the list instead, so the sidebar does not repeat them.
SEARCH_FACETS = ("kind", "stage", "grade", "subject", "collection")
BROWSE_FACETS = ("kind", "collection")
MULTI = ("kind", "stage", "grade", "subject", "collection", "edition")
SORTS = ("relevance", "newest", "downloads")


def published_visible(request) -> QuerySet[Resource]:
    """Published, not deleted, and at a visibility level the client may see."""
    return Resource.objects.filter(
        state=State.PUBLISHED,
        deleted_at__isnull=True,
        visibility__in=policy.visible_levels(request),
    )


# --- labels ------------------------------------------------------------------------------------


class Labels:
    """Code → name for every facet (small tables, read once per request)."""

    def __init__(self) -> None:
        self.kind = {value: str(label) for value, label in Resource.Kind.choices}
        self.stage = {value: str(label) for value, label in Stage.choices}
        self.grade = {str(number): str(label) for number, (_s, label) in GRADES.items()}
        self.subject = dict(Subject.objects.values_list("code", "name"))
        self.collection = dict(Collection.objects.values_list("slug", "name"))
        self.edition = dict(Edition.objects.values_list("code", "name"))

    def of(self, facet: str, value: str) -> str:
        return getattr(self, facet, {}).get(value, value)


# --- the query string ----------------------------------------------------------------------------


@dataclass
class Params:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    node: TextbookNode | None = None
    tag: str = ""
    sort: str = "newest"
    page: int = 1
    #: Filters fixed by the page itself (the videos section), not removable.
    fixed: dict[str, list[str]] = field(default_factory=dict)
    #: The sort was chosen in the query string (kept in links even when it is the default,
    #: since choosing it is how a student asks for the normal order).
    sort_chosen: bool = False
    #: A student's own grade, put first while they choose no sort, grade or stage.
    favour: Favour | None = None

    def one(self, name: str) -> str:
        """The single value of a filter, or "" when none or several are chosen."""
        values = self.filters.get(name, [])
        return values[0] if len(values) == 1 else ""

    def pairs(self, **changes) -> list[tuple[str, str]]:
        """The query string as pairs, with ``changes`` (None removes; page resets)."""
        state: dict[str, object] = {
            "q": self.text,
            **{name: list(values) for name, values in self.filters.items()},
            "node": str(self.node.pk) if self.node else "",
            "tag": self.tag,
            "sort": self.sort if self.sort_chosen or self.sort != default_sort(self.text) else "",
            "page": "",
        }
        state.update(changes)
        out: list[tuple[str, str]] = []
        for name in ("q", *MULTI, "node", "tag", "sort", "page"):
            value = state.get(name)
            if isinstance(value, list | tuple):
                out += [(name, str(v)) for v in value]
            elif value not in (None, ""):
                out.append((name, str(value)))
        return out

    def url(self, **changes) -> str:
        pairs = self.pairs(**changes)
        return reverse("resources") + ("?" + urlencode(pairs) if pairs else "")

    def search_filters(self) -> dict[str, list[str]]:
        filters = {name: list(values) for name, values in self.filters.items() if values}
        if self.node is not None:
            filters["textbook_node"] = [str(self.node.pk)]
        if self.tag:
            filters["tag"] = [self.tag]
        return filters

    @property
    def has_filters(self) -> bool:
        chosen = {name: v for name, v in self.filters.items() if self.fixed.get(name) != v}
        return bool(self.text or chosen or self.node or self.tag)


def default_sort(text: str) -> str:
    return "relevance" if text else "newest"


def _clean(name: str, values: list[str]) -> list[str]:
    allowed = {
        "kind": set(Resource.Kind.values),
        "stage": set(Stage.values),
        "grade": {str(number) for number in GRADES},
    }.get(name)
    out = []
    for value in values:
        value = value.strip()[:60]
        if value and value not in out and (allowed is None or value in allowed):
            out.append(value)
    return out


def parse(
    query, *, fixed: dict[str, list[str]] | None = None, favour: Favour | None = None
) -> Params:
    """Params from a QueryDict; unknown values are dropped rather than refused.

    ``favour`` (the signed-in student's grade, see ``catalog.audience``) is kept only while
    the query chooses no sort, grade, stage or textbook: what the person asks for wins.
    """
    text = " ".join(query.get("q", "").split())[:100]
    filters = {name: _clean(name, query.getlist(name)) for name in MULTI}
    for name, values in (fixed or {}).items():
        filters[name] = list(values)
    filters = {name: values for name, values in filters.items() if values}
    node = None
    if query.get("node", "").isdigit():
        node = (
            TextbookNode.objects.select_related("edition", "subject")
            .filter(pk=int(query["node"]))
            .first()
        )
    sort = query.get("sort", "")
    sort_chosen = sort in SORTS and (sort != "relevance" or bool(text))
    if not sort_chosen:
        sort = default_sort(text)
    if sort_chosen or node is not None or filters.get("grade") or filters.get("stage"):
        favour = None
    try:
        page = max(1, int(query.get("page", "1")))
    except ValueError:
        page = 1
    page = min(page, MAX_WINDOW // PAGE_SIZE)
    return Params(
        text=text,
        filters=filters,
        node=node,
        tag=query.get("tag", "").strip()[:40],
        sort=sort,
        page=page,
        fixed=dict(fixed or {}),
        sort_chosen=sort_chosen,
        favour=favour,
    )


# --- browse steps ----------------------------------------------------------------------------


@dataclass
class Option:
    label: str
    url: str
    count: int


@dataclass
class Steps:
    #: What the options choose ("stage", "grade", …), "" when nothing is left to choose.
    level: str
    heading: str
    options: list[Option]
    #: Breadcrumb of what is chosen: (label, url of that level).
    trail: list[tuple[str, str]]


def _apply(qs: QuerySet[Resource], params: Params, *, skip: tuple[str, ...] = ()) -> QuerySet:
    lookups = {
        "kind": "kind__in",
        "stage": "stage__in",
        "grade": "grade__in",
        "subject": "subject__code__in",
        "collection": "collection__slug__in",
        "edition": "edition__code__in",
    }
    for name, values in params.filters.items():
        if name not in skip and values:
            qs = qs.filter(**{lookups[name]: values})
    if params.node is not None and "node" not in skip:
        qs = qs.filter(textbook_node__path__startswith=params.node.path)
    if params.tag and "tag" not in skip:
        qs = qs.filter(tags__name=params.tag)
    return qs


def _grouped(qs: QuerySet, column: str) -> Counter:
    rows = qs.order_by().values(column).annotate(n=Count("id")).values_list(column, "n")
    return Counter({value: n for value, n in rows if value not in (None, "")})


def _node_counts(qs: QuerySet, nodes: list[TextbookNode]) -> list[tuple[TextbookNode, int]]:
    """Resources filed under each node or anything below it (a path-prefix sum)."""
    by_path = _grouped(qs.filter(textbook_node__isnull=False), "textbook_node__path")
    out = []
    for node in nodes:
        count = sum(n for path, n in by_path.items() if path.startswith(node.path))
        if count:
            out.append((node, count))
    return out


def steps(request, params: Params, labels: Labels) -> Steps:
    """The next choice in stage → grade → subject → book → unit → lesson, with counts that
    take every other filter into account, and the trail of what is already chosen."""
    base = _apply(
        published_visible(request),
        params,
        skip=("stage", "grade", "subject", "edition", "node"),
    )
    stage, grade, subject = params.one("stage"), params.one("grade"), params.one("subject")
    if grade and not stage:
        stage = str(GRADES[int(grade)][0])
    reset = {"stage": None, "grade": None, "subject": None, "edition": None, "node": None}

    def at(**chosen) -> str:
        return params.url(**{**reset, **chosen})

    trail: list[tuple[str, str]] = [(_("All resources"), at())]
    if stage:
        trail.append((labels.of("stage", stage), at(stage=stage)))
    if grade:
        trail.append((labels.of("grade", grade), at(stage=stage, grade=grade)))
    if subject:
        trail.append((labels.of("subject", subject), at(stage=stage, grade=grade, subject=subject)))
    node = params.node
    if node is not None:
        for ancestor in node.trail():
            label = ancestor.name
            if ancestor.is_root():
                label = f"{ancestor.edition.name} · {ancestor.name}"
            trail.append(
                (
                    label,
                    at(
                        stage=ancestor.stage,
                        grade=str(ancestor.grade),
                        subject=ancestor.subject.code,
                        node=str(ancestor.pk),
                    ),
                )
            )

    if len(params.filters.get("stage", [])) > 1 or len(params.filters.get("grade", [])) > 1:
        return Steps("", "", [], trail)
    if not stage:
        counts = _grouped(base, "stage")
        options = [
            Option(str(label), at(stage=value), counts[value])
            for value, label in Stage.choices
            if counts[value]
        ]
        return Steps("stage", _("Choose a school stage"), options, trail)
    base = base.filter(stage=stage)
    if not grade:
        counts = _grouped(base, "grade")
        options = [
            Option(labels.of("grade", str(number)), at(stage=stage, grade=str(number)), n)
            for number, n in sorted(counts.items())
        ]
        return Steps("grade", _("Choose a grade"), options, trail)
    base = base.filter(grade=int(grade))
    if not subject:
        counts = _grouped(base, "subject__code")
        options = [
            Option(name, at(stage=stage, grade=grade, subject=code), counts[code])
            for code, name in Subject.objects.values_list("code", "name")
            if counts[code]
        ]
        return Steps("subject", _("Choose a subject"), options, trail)
    base = base.filter(subject__code=subject)
    chosen = {"stage": stage, "grade": grade, "subject": subject}
    if node is None:
        books = TextbookNode.objects.filter(
            depth=1, subject__code=subject, grade=int(grade)
        ).select_related("edition")
        if params.filters.get("edition"):
            books = books.filter(edition__code__in=params.filters["edition"])
        options = [
            Option(f"{book.edition.name} · {book.name}", at(**chosen, node=str(book.pk)), n)
            for book, n in _node_counts(base, list(books.order_by("edition__order", "path")))
        ]
        return Steps("book", _("Choose a textbook"), options, trail)
    if node.kind == TextbookNode.Kind.LESSON:
        return Steps("", "", [], trail)
    children = list(node.get_children())
    options = [
        Option(child.name, at(**chosen, node=str(child.pk)), n)
        for child, n in _node_counts(base, children)
    ]
    if node.kind == TextbookNode.Kind.BOOK:
        return Steps("unit", _("Choose a unit"), options, trail)
    return Steps("lesson", _("Choose a lesson"), options, trail)


# --- results -----------------------------------------------------------------------------------


@dataclass
class Row:
    resource: Resource
    title_html: str = ""
    snippet_html: str = ""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class Results:
    total: int = 0
    rows: list[Row] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    #: The search engine is down and nothing could be listed (a text search).
    unavailable: bool = False
    #: The search engine is down; the list comes from the database (no text search).
    fallback: bool = False

    @property
    def pages(self) -> int:
        return max(1, min(-(-self.total // PAGE_SIZE), MAX_WINDOW // PAGE_SIZE))


_MARK = re.compile(r"&lt;(/?)mark&gt;")


def safe_fragment(fragment: str) -> str:
    """A highlight fragment as HTML where nothing but <mark> can survive: the backends
    escape already, but escaping again after unescaping costs nothing and trusts nobody."""
    return _MARK.sub(r"<\1mark>", html.escape(html.unescape(fragment), quote=False))


def _row(resource: Resource, highlights: dict[str, list[str]]) -> Row:
    title = highlights.get("title") or []
    body = (highlights.get("description") or []) + (highlights.get("text") or [])
    return Row(
        resource,
        title_html=safe_fragment(title[0]) if title else "",
        snippet_html=" … ".join(safe_fragment(f) for f in body[:2]),
    )


def _load(request, ids: list[int]) -> dict[int, Resource]:
    qs = published_visible(request).select_related("subject", "uploader", "org_unit")
    return kinds.with_thumbnails(qs).in_bulk(ids)


def _facet_values(
    params: Params, labels: Labels, name: str, counted: list[tuple[str, int]]
) -> list[FacetValue]:
    chosen = params.filters.get(name, [])
    seen = {value for value, _n in counted}
    out = []
    for value, count in [*counted, *((v, 0) for v in chosen if v not in seen)]:
        selected = value in chosen
        others = [v for v in chosen if v != value] if selected else [*chosen, value]
        out.append(
            FacetValue(value, labels.of(name, value), count, selected, params.url(**{name: others}))
        )
    if name == "grade":
        out.sort(key=lambda f: int(f.value) if f.value.isdigit() else 99)
    return out


def results(request, params: Params, labels: Labels) -> Results:
    facets = SEARCH_FACETS if params.text else BROWSE_FACETS
    fixed = [name for name in facets if name in params.fixed]
    facets = tuple(name for name in facets if name not in fixed)
    try:
        found = search(
            SearchQuery(
                text=params.text,
                filters=params.search_filters(),
                sort=params.sort,
                page=params.page,
                page_size=PAGE_SIZE,
                visibilities=policy.visible_levels(request),
                facets=facets,
                favour_grade=str(params.favour.grade) if params.favour else "",
                favour_stage=params.favour.stage if params.favour else "",
            )
        )
    except SearchUnavailable:
        if params.text:
            return Results(unavailable=True)
        return _from_database(request, params, labels, facets)
    loaded = _load(request, found.ids)
    rows = [_row(loaded[hit.id], hit.highlights) for hit in found.hits if hit.id in loaded]
    return Results(
        total=found.total,
        rows=rows,
        facets={
            name: _facet_values(params, labels, name, found.facets.get(name, [])) for name in facets
        },
    )


def _from_database(request, params: Params, labels: Labels, facets: tuple[str, ...]) -> Results:
    """The list without the search engine: filters and sorting only, from the database."""
    qs = _apply(published_visible(request), params).distinct()
    order = {"downloads": ("-download_count", "-published_at", "-pk")}.get(
        params.sort, ("-published_at", "-pk")
    )
    total = qs.count()
    start = (params.page - 1) * PAGE_SIZE
    page = favour_order(
        kinds.with_thumbnails(qs.select_related("subject", "uploader", "org_unit")),
        params.favour,
        *order,
    )
    rows = [Row(resource) for resource in page[start : start + PAGE_SIZE]]
    columns = {"kind": "kind", "collection": "collection__slug"}
    counted = {
        name: _grouped(_apply(published_visible(request), params, skip=(name,)), columns[name])
        for name in facets
        if name in columns
    }
    return Results(
        total=total,
        rows=rows,
        facets={
            name: _facet_values(params, labels, name, counts.most_common())
            for name, counts in counted.items()
        },
        fallback=True,
    )


def page_links(params: Params, current: int, pages: int) -> list[tuple[int | None, str]]:
    """(number, url) for the pages around the current one, None for a gap."""
    wanted = {1, pages, *range(current - 2, current + 3)}
    out: list[tuple[int | None, str]] = []
    previous = 0
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if number - previous > 1:
            out.append((None, ""))
        out.append((number, params.url(page=number if number > 1 else None)))
        previous = number
    return out
