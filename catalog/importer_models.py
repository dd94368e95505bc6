"""Bookkeeping of the bulk import (``manage.py import_resources``): one row per file seen,
so that a re-run skips what is done without reading the file again, and resumes after an
interruption. Imported into ``catalog.models`` so that Django sees it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRecord(models.Model):
    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        DUPLICATE = "duplicate", _("Duplicate of an existing resource")
        FAILED = "failed", _("Failed")

    # The absolute path of the file when it was imported (the key for skipping it later).
    path = models.CharField(_("path"), max_length=1024, unique=True)
    size = models.PositiveBigIntegerField(_("size"))
    mtime_ns = models.BigIntegerField(_("modified (ns)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resource"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    run_id = models.CharField(_("import run"), max_length=32, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "catalog"
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")

    def __str__(self) -> str:
        return f"{self.path} ({self.status})"
