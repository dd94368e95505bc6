"""The administrator's table of official days: the State Council's schedule for years the
``chinesecalendar`` package does not know yet (and corrections for years it does)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficialDay(models.Model):
    """One day whose status the official schedule fixes: a public holiday (``is_working``
    False, whatever the weekday) or a make-up working day (调休, a Saturday or Sunday with
    ``is_working`` True). Days not listed follow chinesecalendar, or the weekends."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: a make-up working day (调休). Not ticked: a public holiday."),
    )
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("official day")
        verbose_name_plural = _("official days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.note}".strip()


class CalendarYear(models.Model):
    """A year whose official schedule an administrator has entered in full: its deadlines
    are no longer provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("schedule entered in full"),
        default=False,
        help_text=_(
            "Tick once every public holiday and make-up working day of the year has been "
            "entered from the State Council's notice."
        ),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)
