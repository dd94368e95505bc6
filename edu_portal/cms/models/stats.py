"""Visits per page and day: counted in a buffer and written in batches (like resource
views), never with the visitor's address."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PageVisitDay(models.Model):
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("page")
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("visits"), default=0)

    class Meta:
        verbose_name = _("page visits on a day")
        verbose_name_plural = _("page visits")
        constraints = [
            models.UniqueConstraint(fields=["page", "day"], name="cms_page_visit_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} {self.day}: {self.count}"
