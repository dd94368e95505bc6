"""Due dates counted in working days: the official calendar of 2026 (National Day and the
Spring Festival with their make-up days), weekends, pauses, and 2027, which the installed
chinesecalendar does not know."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from edu_portal.workdays.calendar import due_date, is_working_day, year_known
from edu_portal.workdays.models import CalendarYear, OfficialDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


D = dt.date


def test_the_package_data_this_test_relies_on():
    # National Day 2026: 10-01..10-07 off, Saturday 10-10 worked; Spring Festival 2026:
    # 02-15..02-23 off, Saturdays 02-14 and 02-28 worked.
    assert not is_working_day(D(2026, 10, 1))
    assert is_working_day(D(2026, 10, 10))
    assert not is_working_day(D(2026, 2, 23))
    assert is_working_day(D(2026, 2, 14))
    assert is_working_day(D(2026, 2, 28))
    assert not is_working_day(D(2026, 10, 11))  # an ordinary Sunday


def test_national_day_holiday_and_its_make_up_saturday():
    deadline = due_date(D(2026, 9, 30), 20)
    # 10-08, 10-09, Saturday 10-10 (make-up), then Monday 10-12 … the 20th is 11-03.
    assert deadline.due_on == D(2026, 11, 3)
    assert not deadline.provisional
    text = "\n".join(deadline.steps)
    assert "2026-10-01–2026-10-07" in text
    assert "2026-10-10" in text
    assert "2026-11-03" in text


def test_make_up_sunday_before_mid_autumn_counts():
    # Sunday 09-20 is worked; 09-25 (Friday) is a holiday.
    assert due_date(D(2026, 9, 18), 7).due_on == D(2026, 9, 29)


def test_spring_festival_with_two_make_up_saturdays():
    # 02-13, Sat 02-14, then 02-24 … 02-27, Sat 02-28 is the 7th working day.
    deadline = due_date(D(2026, 2, 12), 7)
    assert deadline.due_on == D(2026, 2, 28)
    assert "2026-02-15–2026-02-23" in "\n".join(deadline.steps)


def test_receipt_on_a_weekend_counts_from_monday():
    assert due_date(D(2026, 12, 5), 1).due_on == D(2026, 12, 7)  # received on Saturday
    assert due_date(D(2026, 12, 6), 1).due_on == D(2026, 12, 7)  # on Sunday
    assert due_date(D(2026, 12, 4), 1).due_on == D(2026, 12, 7)  # Friday: not counted


def test_an_unknown_year_is_weekends_only_and_provisional_until_entered():
    assert not year_known(2027)
    deadline = due_date(D(2026, 12, 5), 20)
    # 19 working days in December, then Friday 2027-01-01 counted as a weekday.
    assert deadline.due_on == D(2027, 1, 1)
    assert deadline.provisional
    assert any("2027" in step and "provisional" in step for step in deadline.steps)

    OfficialDay.objects.create(date=D(2027, 1, 1), is_working=False, note="元旦")
    still = due_date(D(2026, 12, 5), 20)
    assert still.due_on == D(2027, 1, 4)
    assert still.provisional  # entered, but not marked complete

    CalendarYear.objects.create(year=2027, complete=True)
    assert year_known(2027)
    final = due_date(D(2026, 12, 5), 20)
    assert (final.due_on, final.provisional) == (D(2027, 1, 4), False)


def test_a_deadline_inside_a_known_year_is_not_provisional_even_if_later_years_are_unknown():
    assert not due_date(D(2026, 11, 2), 20).provisional


def test_the_administrators_table_overrides_the_package():
    OfficialDay.objects.create(date=D(2026, 12, 7), is_working=False, note="停工")
    assert not is_working_day(D(2026, 12, 7))
    assert due_date(D(2026, 12, 4), 1).due_on == D(2026, 12, 8)


def test_consultation_days_are_not_counted():
    assert due_date(D(2026, 11, 2), 20).due_on == D(2026, 11, 30)
    # Sent on 11-04, answered on 11-10: 11-05, 11-06, 11-09, 11-10 are not counted.
    deadline = due_date(D(2026, 11, 2), 20, pauses=[(D(2026, 11, 4), D(2026, 11, 10))])
    assert deadline.due_on == D(2026, 12, 4)
    assert any("4 working days" in step for step in deadline.steps)


def test_a_running_pause_leaves_no_due_date_but_the_days_to_go():
    deadline = due_date(D(2026, 11, 2), 20, pauses=[(D(2026, 11, 4), None)])
    assert deadline.due_on is None
    assert deadline.remaining == 18


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        due_date(D(2026, 11, 2), -1)
    with pytest.raises(ValueError):
        due_date(D(2026, 11, 2), 5, pauses=[(D(2026, 11, 9), D(2026, 11, 4))])
    with pytest.raises(ValueError):
        due_date(D(2026, 11, 2), 5000)
