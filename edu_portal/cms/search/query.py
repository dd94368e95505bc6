"""What a caller asks the site search for and what it gets back (the same for every
backend), and the rules for counting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

#: Longest query accepted: a sentence, not a pasted document.
MAX_QUERY = 100
PAGE_SIZE = 20
#: Deep paging is refused: nobody reads page 500, and every backend slows down with depth.
MAX_WINDOW = 1_000


def facet_sample() -> int:
    """Type counts are computed over at most this many matches; beyond it they are
    estimates (the page says 约)."""
    return settings.CMS_SEARCH_FACET_SAMPLE


@dataclass(frozen=True)
class SiteQuery:
    """``types`` narrows the hits (empty: every type); the type counts always cover every
    type (drill-down). ``visibilities`` lists what the viewer may see: the caller decides
    it (``access.visible_levels``)."""

    text: str
    types: tuple[str, ...] = ()
    page: int = 1
    page_size: int = PAGE_SIZE
    visibilities: tuple[str, ...] = ("public",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", (self.text or "").strip())
        object.__setattr__(self, "types", tuple(sorted(set(self.types))))
        object.__setattr__(self, "visibilities", tuple(sorted(set(self.visibilities))))
        if not self.text or len(self.text) > MAX_QUERY:
            raise ValueError(f"the query must have 1..{MAX_QUERY} characters")
        if self.page < 1 or not 1 <= self.page_size <= 100:
            raise ValueError("page must be >= 1 and page_size within 1..100")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def in_window(self) -> bool:
        return self.offset + self.page_size <= MAX_WINDOW


@dataclass
class SiteHit:
    type: str
    object_id: int
    title: str
    url: str
    published: datetime | None
    #: HTML: escaped text with the matches in <mark>.
    title_html: str
    snippet: str
    score: float = 0.0


@dataclass
class Counts:
    """Matches per type. ``approximate``: the matches outnumbered the sample, so the
    numbers are estimates from it (and ``total`` an estimate or a lower bound)."""

    by_type: dict[str, int] = field(default_factory=dict)
    approximate: bool = False

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    def total_for(self, types: tuple[str, ...]) -> int:
        if not types:
            return self.total
        return sum(self.by_type.get(t, 0) for t in types)


@dataclass
class SiteResults:
    hits: list[SiteHit]
    counts: Counts
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        last = max(1, -(-self.total // self.page_size))
        return min(last, max(1, MAX_WINDOW // self.page_size))
