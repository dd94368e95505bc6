"""Quiet hours: e-mail and SMS written in the evening wait until morning.

The window comes from ``NOTICE_QUIET_START``/``NOTICE_QUIET_END`` ("HH:MM", in
``TIME_ZONE``; 20:00–08:00 by default) and may cross midnight. Urgent notices ignore it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def _clock(name: str) -> datetime.time:
    value = getattr(settings, name)
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return datetime.time(hours, minutes)
    except ValueError:
        raise ImproperlyConfigured(
            f'{name} must be a time such as "20:00", not {value!r}'
        ) from None


def window() -> tuple[datetime.time, datetime.time]:
    return _clock("NOTICE_QUIET_START"), _clock("NOTICE_QUIET_END")


def next_allowed(dt: datetime.datetime, urgent: bool = False) -> datetime.datetime:
    """``dt`` itself when a message may go then, else the end of the quiet hours it falls in
    (an aware datetime in ``TIME_ZONE``)."""
    start, end = window()
    if urgent or start == end:
        return dt
    zone = timezone.get_default_timezone()
    local = dt.astimezone(zone)
    now = local.time()
    if start > end:  # crosses midnight, e.g. 20:00–08:00
        if now >= start:
            day = local.date() + datetime.timedelta(days=1)
        elif now < end:
            day = local.date()
        else:
            return dt
    elif start <= now < end:
        day = local.date()
    else:
        return dt
    return datetime.datetime.combine(day, end, tzinfo=zone)


def start_of_day(dt: datetime.datetime) -> datetime.datetime:
    """Local midnight of ``dt``'s day (the daily caps count from it)."""
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(dt.astimezone(zone).date(), datetime.time(), tzinfo=zone)
