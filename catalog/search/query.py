"""What a caller asks for and what it gets back: the same for every backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Filters whose values are also counted as facets. Facet counts are computed with every
#: OTHER facet filter applied (standard drill-down: choosing 初中 still shows how many
#: results each other stage would give), plus all non-facet filters and the text.
FACETS = ("kind", "stage", "grade", "subject", "collection", "edition")

#: Filters that narrow the results but are never counted.
OTHER_FILTERS = ("tag", "textbook_node")

FILTERS = FACETS + OTHER_FILTERS
SORTS = ("relevance", "newest", "downloads")
MAX_PAGE_SIZE = 100
#: Deep paging is refused: nobody reads page 500, and both backends slow down with depth.
MAX_WINDOW = 10_000
#: How much a match in the favoured grade (or only its stage) weighs against relevance when
#: words are searched; without words the favoured grade simply comes first.
GRADE_BOOST, STAGE_BOOST = 3, 2


@dataclass(frozen=True)
class SearchQuery:
    """A search request.

    ``filters`` maps a name from ``FILTERS`` to accepted values (any of them matches; all
    filters must match). Values are codes: kind and stage values, ``str(grade)``, subject
    and edition codes, collection slugs, tag names, textbook node ids (a node matches with
    all its descendants). ``visibilities`` lists the visibility levels the viewer may see;
    the caller decides it. Empty ``text`` browses everything that matches the filters.

    ``favour_grade`` (``str(grade)``) and its ``favour_stage`` put a student's own grade
    first, then the rest of its stage: ahead of the newest-first order when browsing,
    multiplied into the relevance (GRADE_BOOST, STAGE_BOOST) when searching words. The
    caller sets them only when the person chose no sort and no grade.
    """

    text: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    visibilities: Sequence[str] = ("public",)
    facets: Sequence[str] = ("kind", "stage", "grade", "subject", "collection")
    favour_grade: str = ""
    favour_stage: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.filters) - set(FILTERS)
        if unknown:
            raise ValueError(f"unknown search filters: {sorted(unknown)}")
        if set(self.facets) - set(FACETS):
            raise ValueError(f"unknown facets: {sorted(set(self.facets) - set(FACETS))}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        if self.page < 1 or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError("page must be >= 1 and page_size within 1..100")
        if self.favour_stage and not self.favour_grade:
            raise ValueError("favour_stage goes with the favour_grade it belongs to")
        object.__setattr__(self, "favour_grade", str(self.favour_grade or ""))
        object.__setattr__(self, "favour_stage", str(self.favour_stage or ""))
        # Normalise to tuples of strings so backends can rely on the shape.
        clean = {k: tuple(str(v) for v in vals) for k, vals in self.filters.items() if vals}
        object.__setattr__(self, "filters", clean)
        object.__setattr__(self, "visibilities", tuple(self.visibilities))
        object.__setattr__(self, "facets", tuple(self.facets))
        object.__setattr__(self, "text", (self.text or "").strip())

    @property
    def favour_first(self) -> bool:
        """The favoured grade comes before the sort order (browsing, no words)."""
        return bool(self.favour_grade) and not self.text

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def effective_sort(self) -> str:
        # Without text there is no relevance to rank by: newest first.
        return "newest" if self.sort == "relevance" and not self.text else self.sort

    def in_window(self) -> bool:
        return self.offset + self.page_size <= MAX_WINDOW


@dataclass
class Hit:
    id: int
    score: float
    #: field name ("title", "description", "text") → HTML-escaped fragments with <mark>.
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    #: facet name → [(value, count)], most frequent first; see FACETS for what is counted.
    facets: dict[str, list[tuple[str, int]]]
    page: int
    page_size: int

    @property
    def ids(self) -> list[int]:
        return [hit.id for hit in self.hits]
