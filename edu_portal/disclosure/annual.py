"""The figures of the annual report (政府信息公开工作年度报告, 国办公开办函〔2021〕30号 format).

Table 三 (applications), counted in the database with one grouped query:

- ``new``: received (``received_on``) in the year;
- ``carried_over``: received before the year and not closed before it;
- each outcome: closed (``replied_on``: the reply, or the day an application was treated as
  abandoned) in the year, by its outcome; ``total`` is their sum;
- ``carried_forward``: received by 31 December and not closed by then.

Every row is counted on its own, never derived from the others, so that the identity
一 + 二 = 三（七） + 四 is a check: an application closed without an outcome, or closed
before it was received, makes a column fail, and the failure is shown and blocks
publishing instead of being "fixed".

Table 二 counts live articles marked 规章 or 行政规范性文件 (``ArticlePage.doc_kind``):
issued by their ``published_on`` year; repealed by the year they were repealed, which is
the superseding article's date when ``superseded_by`` is set, else the day of the first
revision after which the article stayed marked repealed; in force at 31 December when
published by then and not yet repealed or expired (expiry dated the same way).

Table 四 counts 行政复议/行政诉讼 records (``ReviewCase``) in the year of their decision
(``decided_on``, the filing date when a result was recorded without one), by result; a case
filed by 31 December and not decided by then counts as 尚未审结 in that year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from edu_portal.disclosure.models import ApplicantType, Application, Outcome, ReviewCase

COLUMNS: tuple[str, ...] = (*ApplicantType.values, "total")
OUTCOMES: tuple[str, ...] = tuple(Outcome.values)
ROWS: tuple[str, ...] = ("new", "carried_over", *OUTCOMES, "total", "carried_forward")

TABLE2_DOC_KINDS = ("regulation", "normative")
TABLE2_COUNTS = ("issued", "repealed", "in_force")

REVIEW_KINDS = tuple(ReviewCase.Kind.values)
REVIEW_RESULTS = ("upheld", "corrected", "other", "pending", "total")

# The first year the 2019 regulation's report format can describe; reports older than the
# portal are not made here.
FIRST_YEAR = 2008


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- Table 三 ----------------------------------------------------------------------------------


def table3(year: int) -> dict[str, dict[str, int]]:
    """Table 三 of ``year``: ``{row: {column: count}}`` with every row and column present."""
    start, end = year_bounds(year)
    replied_in_year = Q(replied_on__gte=start, replied_on__lte=end)
    open_at_start = Q(replied_on__isnull=True) | Q(replied_on__gte=start)
    open_at_end = Q(replied_on__isnull=True) | Q(replied_on__gt=end)
    counts = {
        "new": Count("pk", filter=Q(received_on__gte=start, received_on__lte=end)),
        "carried_over": Count("pk", filter=Q(received_on__lt=start) & open_at_start),
        "carried_forward": Count("pk", filter=Q(received_on__lte=end) & open_at_end),
    }
    for code in OUTCOMES:
        counts[f"o_{code}"] = Count("pk", filter=replied_in_year & Q(outcome=code))
    # Closed in the year with an outcome that is no row (blank or unknown): counted apart,
    # so that the identity shows the gap instead of hiding it.
    counts["unknown_outcome"] = Count("pk", filter=replied_in_year & ~Q(outcome__in=OUTCOMES))
    rows = (
        Application.objects.filter(Q(received_on__lte=end) & open_at_start | replied_in_year)
        .values("applicant_type")
        .annotate(**counts)
        .order_by()
    )
    table = {row: dict.fromkeys(COLUMNS, 0) for row in ROWS}
    for found in rows:
        column = found["applicant_type"]
        if column not in table["new"]:
            column = "other_org"  # an unknown type is an organisation's "other"
        for row in ("new", "carried_over", "carried_forward"):
            table[row][column] += found[row]
        for code in OUTCOMES:
            table[code][column] += found[f"o_{code}"]
            table["total"][column] += found[f"o_{code}"]
    for row in ROWS:
        table[row]["total"] = sum(table[row][c] for c in ApplicantType.values)
    return table


def identity_failures(table: dict[str, dict[str, int]]) -> list[dict]:
    """The columns where 一 + 二 ≠ 三（七） + 四, each with the two sides."""
    failures = []
    for column in COLUMNS:
        left = table["new"][column] + table["carried_over"][column]
        right = table["total"][column] + table["carried_forward"][column]
        if left != right:
            failures.append({"column": column, "received": left, "accounted": right})
    return failures


def anomalies(year: int) -> list[dict]:
    """Applications that make the identity fail, for the office to correct (at most 50)."""
    start, end = year_bounds(year)
    bad = Application.objects.filter(
        Q(replied_on__gte=start, replied_on__lte=end)
        & (
            ~Q(outcome__in=OUTCOMES)
            | Q(received_on__isnull=True)
            | Q(received_on__gt=end)
            | Q(replied_on__lt=Coalesce("received_on", "replied_on"))
        )
    ).order_by("pk")
    return [
        {"id": a.pk, "query_code": a.query_code, "outcome": a.outcome, "replied_on": a.replied_on}
        for a in bad[:50]
    ]


# --- Table 二 ----------------------------------------------------------------------------------


def _end_date(article) -> dt.date | None:
    """The day an article stopped being in force: its successor's date, else the first
    revision after which it stayed marked repealed or expired, else its last publication."""
    from django.utils import timezone

    successor = article.superseded_by
    if successor is not None and successor.live and successor.published_on:
        return successor.published_on
    since = None
    for created_at, content in article.revisions.order_by("created_at", "pk").values_list(
        "created_at", "content"
    ):
        marked = (content or {}).get("validity", "valid") != "valid"
        if marked and since is None:
            since = created_at
        elif not marked:
            since = None
    when = since or article.last_published_at
    return timezone.localdate(when) if when else None


def table2(year: int) -> dict[str, dict[str, int]]:
    """``{doc_kind: {"issued", "repealed", "in_force"}}`` for 规章 and 行政规范性文件."""
    from edu_portal.cms.models import ArticlePage

    start, end = year_bounds(year)
    documents = ArticlePage.objects.live().filter(doc_kind__in=TABLE2_DOC_KINDS)
    table = {kind: dict.fromkeys(TABLE2_COUNTS, 0) for kind in TABLE2_DOC_KINDS}
    issued = (
        documents.filter(published_on__gte=start, published_on__lte=end)
        .values("doc_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for found in issued:
        table[found["doc_kind"]]["issued"] = found["n"]
    valid = (
        documents.filter(validity="valid", published_on__lte=end)
        .values("doc_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for found in valid:
        table[found["doc_kind"]]["in_force"] = found["n"]
    # Documents no longer in force: few, and their end date needs their history.
    ended = documents.exclude(validity="valid").filter(published_on__lte=end)
    for article in ended.select_related("superseded_by"):
        end_date = _end_date(article)
        if end_date is not None and end_date > end:
            table[article.doc_kind]["in_force"] += 1
        elif article.validity == "repealed" and end_date is not None and start <= end_date <= end:
            table[article.doc_kind]["repealed"] += 1
    return table


# --- Table 四 ----------------------------------------------------------------------------------


def table4(year: int) -> dict[str, dict[str, int]]:
    """``{kind: {upheld, corrected, other, pending, total}}`` for 行政复议 and both kinds of
    行政诉讼."""
    start, end = year_bounds(year)
    decided = ~Q(result="pending")
    counts = {
        "pending": Count("pk", filter=Q(result="pending") | (decided & Q(day__gt=end))),
    }
    for result in ("upheld", "corrected", "other"):
        counts[result] = Count("pk", filter=Q(result=result, day__gte=start, day__lte=end))
    rows = (
        ReviewCase.objects.annotate(day=Coalesce("decided_on", "filed_on"))
        .filter(filed_on__lte=end)
        .filter(Q(result="pending") | Q(day__gte=start))
        .values("kind")
        .annotate(**counts)
        .order_by()
    )
    table = {kind: dict.fromkeys(REVIEW_RESULTS, 0) for kind in REVIEW_KINDS}
    for found in rows:
        if found["kind"] not in table:
            continue
        for result in ("upheld", "corrected", "other", "pending"):
            table[found["kind"]][result] = found[result]
    for kind in REVIEW_KINDS:
        table[kind]["total"] = sum(table[kind][r] for r in REVIEW_RESULTS[:4])
    return table


# --- all of it ---------------------------------------------------------------------------------


@dataclass
class Figures:
    year: int
    table2: dict = field(default_factory=dict)
    table3: dict = field(default_factory=dict)
    table4: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "table2": self.table2,
            "table3": self.table3,
            "table4": self.table4,
            "identity_failures": self.failures,
        }


def compute(year: int) -> Figures:
    three = table3(year)
    return Figures(
        year=year,
        table2=table2(year),
        table3=three,
        table4=table4(year),
        failures=identity_failures(three),
    )
