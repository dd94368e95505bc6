"""``calendar_changed``: sent after an administrator adds, changes or removes an official
day or a calendar year. Apps holding stored due dates (disclosure applications, letters)
connect to it and recompute their open cases.

Sent with ``sender=OfficialDay`` or ``CalendarYear`` and ``years`` (the set of years the
change concerns).
"""

from __future__ import annotations

import django.dispatch
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from edu_portal.workdays.models import CalendarYear, OfficialDay

calendar_changed = django.dispatch.Signal()


def _year_of(instance) -> int:
    return instance.date.year if isinstance(instance, OfficialDay) else instance.year


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    years = {_year_of(instance)}
    # After commit: the receivers recompute with the new row visible, and a rolled-back
    # admin save recomputes nothing.
    transaction.on_commit(lambda: calendar_changed.send(sender=sender, years=years), robust=False)


def connect() -> None:
    for model in (OfficialDay, CalendarYear):
        post_save.connect(_changed, sender=model, dispatch_uid=f"workdays.changed.save.{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"workdays.changed.delete.{model}")
