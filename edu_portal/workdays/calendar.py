"""Working days and deadlines counted in them.

A day's status comes, in this order, from the administrator's table (``OfficialDay``: public
holidays and 调休 make-up working days), from ``chinesecalendar`` for the years it ships,
and for any other year from the weekday alone (Monday to Friday). A year is *known* when the
package covers it or an administrator marked its schedule as entered in full
(``CalendarYear.complete``); a deadline that counts a day of an unknown year is provisional.

The rules of the disclosure regulation (Art. 31–34) as this module applies them:

* the day of receipt is not counted; counting starts the next day;
* weekends and public holidays are skipped, make-up working days are counted;
* a pause ``(sent_on, ended_on)`` (a consultation of a third party or another agency, a fee
  notice) stops the clock: the days after ``sent_on`` up to and including ``ended_on`` are
  not counted. ``ended_on`` None means the pause is still running: no due date yet.

``Deadline.steps`` says in words how the date was computed; it is shown to applicants and
staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import chinese_calendar
from django.utils.translation import gettext as _

from edu_portal.workdays.models import CalendarYear, OfficialDay

ONE_DAY = dt.timedelta(days=1)
# A deadline further away than this is a mistake in the input, not a real case.
MAX_SPAN_DAYS = 3 * 366

Pause = tuple  # (sent_on, ended_on | None) or (sent_on, ended_on | None, label)


@dataclass(frozen=True)
class Deadline:
    due_on: dt.date | None
    provisional: bool
    steps: list[str] = field(default_factory=list)
    # Working days still to count when a pause is running (due_on is None then).
    remaining: int = 0


@cache
def package_knows(year: int) -> bool:
    """Does the installed chinesecalendar ship the official schedule of ``year``?"""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class _Calendar:
    """The official table read once for a computation (it is small: a few dozen rows a
    year), so counting does not query per day."""

    def __init__(self, since: dt.date | None = None) -> None:
        rows = OfficialDay.objects.all()
        if since is not None:
            rows = rows.filter(date__gte=since)
        self.official = dict(rows.values_list("date", "is_working"))
        self.complete = set(
            CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
        )

    def known(self, year: int) -> bool:
        return year in self.complete or package_knows(year)

    def working(self, day: dt.date) -> bool:
        if day in self.official:
            return self.official[day]
        if package_knows(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def holiday(self, day: dt.date) -> bool:
        """A day off by the official schedule (not merely a weekend)."""
        if day in self.official:
            return not self.official[day]
        if package_knows(day.year):
            return chinese_calendar.get_holiday_detail(day)[1] is not None
        return False


def is_working_day(day: dt.date) -> bool:
    """Is ``day`` a working day (official table, then chinesecalendar, then weekdays)?"""
    row = OfficialDay.objects.filter(date=day).values_list("is_working", flat=True).first()
    if row is not None:
        return row
    if package_knows(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def year_known(year: int) -> bool:
    """Is the official schedule of ``year`` known (package or entered in full)?"""
    return package_knows(year) or CalendarYear.objects.filter(year=year, complete=True).exists()


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _dates(days: Sequence[dt.date]) -> str:
    """Dates as runs: "2026-10-01–2026-10-07, 2026-10-12"."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and day - runs[-1][1] == ONE_DAY:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return ", ".join(_iso(a) if a == b else f"{_iso(a)}–{_iso(b)}" for a, b in runs)


def _normalise(pauses: Iterable[Pause]) -> list[tuple[dt.date, dt.date | None, str]]:
    result = []
    for pause in pauses:
        start, end, *rest = pause
        label = rest[0] if rest else _("Clock stopped")
        if end is not None and end < start:
            raise ValueError("a pause cannot end before it starts")
        result.append((start, end, str(label)))
    return sorted(result, key=lambda p: p[0])


def due_date(received_on: dt.date, working_days: int, *, pauses: Iterable[Pause] = ()) -> Deadline:
    """The day ``working_days`` working days after ``received_on`` (not counted itself),
    with the ``pauses`` left out; see the module's docstring."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    stops = _normalise(pauses)
    calendar = _Calendar(since=received_on)
    steps = [
        _(
            "Received on %(received)s. The day of receipt is not counted; counting starts "
            "on %(next)s."
        )
        % {"received": _iso(received_on), "next": _iso(received_on + ONE_DAY)}
    ]
    holidays: list[dt.date] = []
    makeup: list[dt.date] = []
    unknown_years: set[int] = set()
    paused = {index: 0 for index in range(len(stops))}
    counted = 0
    day = received_on
    limit = received_on + dt.timedelta(days=MAX_SPAN_DAYS)
    while counted < working_days:
        day += ONE_DAY
        if day > limit:
            raise ValueError("the deadline lies too far ahead")
        stop = next(
            (i for i, (s, e, _label) in enumerate(stops) if s < day and (e is None or day <= e)),
            None,
        )
        if stop is not None:
            start, end, label = stops[stop]
            if end is None:
                steps += _pause_steps(stops, paused)
                steps.append(
                    _(
                        "%(label)s since %(start)s: the clock is stopped until it ends. "
                        "%(counted)s working days counted so far, %(left)s to go."
                    )
                    % {
                        "label": label,
                        "start": _iso(start),
                        "counted": counted,
                        "left": working_days - counted,
                    }
                )
                return Deadline(None, bool(unknown_years), steps, remaining=working_days - counted)
            if calendar.working(day):
                paused[stop] += 1
            continue
        if calendar.working(day):
            counted += 1
            if day.weekday() >= 5:
                makeup.append(day)
            if not calendar.known(day.year):
                unknown_years.add(day.year)
        elif day.weekday() < 5 or calendar.holiday(day):
            holidays.append(day)
    steps.append(_("Saturdays and Sundays are not counted."))
    if holidays:
        steps.append(_("Public holidays not counted: %(days)s.") % {"days": _dates(holidays)})
    if makeup:
        steps.append(_("Make-up working days (调休) counted: %(days)s.") % {"days": _dates(makeup)})
    steps += _pause_steps(stops, paused, until=day)
    for year in sorted(unknown_years):
        steps.append(
            _(
                "The official holidays of %(year)s are not known yet: its days were counted "
                "with weekends only, so this date is provisional until an administrator "
                "enters that year's schedule."
            )
            % {"year": year}
        )
    steps.append(
        _("Due on %(due)s: %(count)s working days counted.")
        % {"due": _iso(day), "count": working_days}
    )
    return Deadline(day, bool(unknown_years), steps)


def _pause_steps(stops, paused: dict[int, int], until: dt.date | None = None) -> list[str]:
    lines = []
    for index, (start, end, label) in enumerate(stops):
        if end is None or (until is not None and start >= until):
            continue
        lines.append(
            _(
                "%(label)s from %(start)s to %(end)s: the %(count)s working days from the day "
                "after %(start)s up to and including %(end)s are not counted."
            )
            % {"label": label, "start": _iso(start), "end": _iso(end), "count": paused[index]}
        )
    return lines


def add_working_days(day: dt.date, working_days: int) -> dt.date:
    """``day`` plus ``working_days`` working days (``day`` itself not counted)."""
    return due_date(day, working_days).due_on  # type: ignore[return-value]
