"""Visit statistics of the portal's pages (issue 14 item 11).

A view of a live page (its beacon, ``page_cache.count_visit``: pages are mostly served
from caches without reaching Django) adds one to a buffer (``catalog.counters``' classes: Redis when
``REDIS_URL`` is set, in-process otherwise); a flush writes the sums into
:class:`~edu_portal.cms.models.PageVisitDay`. Nothing about the visitor is kept: no
address, no user, no cookie, only "page P was seen once on day D". Obvious robots (their
user agents say so, or send none) are not counted.

The buffers count integer keys; a key here is ``day ordinal * KEY_BASE + page id``, so the
day is fixed when the visit happens, not when the flush runs (a flush after midnight still
books yesterday's visits on yesterday).
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.http import HttpRequest
from django.utils import timezone
from redis.exceptions import RedisError
from wagtail.models import Page

from catalog.counters import DEFAULT_REDIS_PREFIX, LocalBuffer, RedisBuffer
from edu_portal.cms.models import ColumnPage, PageVisitDay

log = logging.getLogger(__name__)

KEY_BASE = 10**10

# Crawlers, link checkers, scripts and monitoring say who they are; browsers do not use
# these words. An empty agent is a script, too.
BOT_AGENT = re.compile(
    r"bot|crawl|spider|slurp|baiduspider|bingpreview|yandex|sogou|360spider|bytespider|"
    r"facebookexternalhit|headless|phantomjs|curl|wget|python-|httpclient|java/|go-http|"
    r"okhttp|libwww|scrapy|axios|node-fetch|monitor|uptime|pingdom|lighthouse|wrk|"
    r"apachebench|^ab/|check_http|nagios",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(BOT_AGENT.search(user_agent))


def encode(page_id: int, day: datetime.date) -> int:
    return day.toordinal() * KEY_BASE + page_id


def decode(key: int) -> tuple[int, datetime.date]:
    return key % KEY_BASE, datetime.date.fromordinal(key // KEY_BASE)


def _apply_visits(counts: dict[int, int]) -> None:
    by_key = {decode(key): amount for key, amount in counts.items()}
    # Pages deleted since their visit are dropped (their rows would cascade away anyway).
    existing = set(
        Page.objects.filter(pk__in={page for page, _day in by_key}).values_list("pk", flat=True)
    )
    for (page_id, day), amount in sorted(by_key.items()):
        if page_id not in existing:
            continue
        updated = PageVisitDay.objects.filter(page_id=page_id, day=day).update(
            count=F("count") + amount
        )
        if not updated:
            with transaction.atomic():
                row, created = PageVisitDay.objects.select_for_update().get_or_create(
                    page_id=page_id, day=day, defaults={"count": amount}
                )
                if not created:  # created by a concurrent flush since the UPDATE above
                    PageVisitDay.objects.filter(pk=row.pk).update(count=F("count") + amount)


_local_visits = LocalBuffer("page-visits", _apply_visits)


def buffer() -> LocalBuffer | RedisBuffer:
    if settings.REDIS_URL:
        prefix = getattr(settings, "COUNTERS_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
        return RedisBuffer("page-visits", _apply_visits, settings.REDIS_URL, prefix)
    return _local_visits


def should_count(request: HttpRequest) -> bool:
    """A browser's beacon (previews send none); robots are not visitors."""
    return request.method == "POST" and not is_bot(request.META.get("HTTP_USER_AGENT", ""))


def record(page_id: int) -> None:
    """Count one visit of ``page_id`` today. Never fails the page it counts."""
    try:
        buffer().add(encode(page_id, timezone.localdate()))
    except RedisError as exc:
        log.warning("page visit not counted: %s", exc)


def flush() -> list[dict]:
    """Write the buffered visits (Redis's when configured, and this process's own)."""
    results = []
    if settings.REDIS_URL:
        try:
            results.append(buffer().flush())
        except RedisError as exc:
            log.warning("buffered page visits not flushed: %s", exc)
    results.append(_local_visits.flush())
    return results


# --- the report -------------------------------------------------------------------------------


@dataclass
class Row:
    page: Page
    visits: int


def _period_q(start: datetime.date, end: datetime.date) -> Q:
    return Q(day__gte=start, day__lte=end)


def top_pages(start: datetime.date, end: datetime.date, limit: int = 20) -> list[Row]:
    """The most visited pages in the period (both days included)."""
    sums = (
        PageVisitDay.objects.filter(_period_q(start, end))
        .values("page_id")
        .annotate(total=Sum("count"))
        .order_by("-total", "page_id")[:limit]
    )
    totals = {row["page_id"]: row["total"] for row in sums}
    pages = Page.objects.in_bulk(totals)
    return [Row(pages[pk], total) for pk, total in totals.items() if pk in pages]


def column_totals(start: datetime.date, end: datetime.date) -> list[Row]:
    """Every column with the visits of its whole subtree (itself, sub-columns, articles),
    most visited first. One query for the visits; the sums are made by tree path."""
    per_path = (
        PageVisitDay.objects.filter(_period_q(start, end))
        .values("page__path")
        .annotate(total=Sum("count"))
    )
    by_path = {row["page__path"]: row["total"] for row in per_path}
    rows = []
    for column in ColumnPage.objects.order_by("path"):
        total = sum(value for path, value in by_path.items() if path.startswith(column.path))
        rows.append(Row(column, total))
    rows.sort(key=lambda row: (-row.visits, row.page.path))
    return rows


def total(start: datetime.date, end: datetime.date) -> int:
    return PageVisitDay.objects.filter(_period_q(start, end)).aggregate(n=Sum("count"))["n"] or 0
