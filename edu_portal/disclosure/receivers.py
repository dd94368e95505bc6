"""Reactions to other apps' signals."""

from __future__ import annotations

from edu_portal.workdays.signals import calendar_changed


def _calendar_changed(sender, years=None, **kwargs) -> None:
    from edu_portal.disclosure.actions import recompute_open

    recompute_open(years)


def connect() -> None:
    calendar_changed.connect(_calendar_changed, dispatch_uid="disclosure.calendar_changed")
