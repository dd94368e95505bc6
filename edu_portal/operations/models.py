"""What the operations jobs record, for administrators, /readyz and the metrics.

``BackupRun`` is written by the backup engine (one row per ``manage.py backup``, whoever
started it); ``IntegrityRun`` by ``manage.py verify_integrity``. The dashboard, the
readiness check and the metrics only read them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    OK = "ok", _("Succeeded")
    FAILED = "failed", _("Failed")


class Trigger(models.TextChoices):
    MANUAL = "manual", _("Run by hand")
    SCHEDULED = "scheduled", _("Scheduled")


class BackupRun(models.Model):
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    trigger = models.CharField(
        _("started by"), max_length=16, choices=Trigger.choices, default=Trigger.MANUAL
    )
    #: The target without credentials (``s3://host/bucket/prefix`` or a directory path).
    target = models.CharField(_("target"), max_length=500)
    #: The backup's name inside the target (a UTC timestamp), set once the run has one.
    name = models.CharField(_("backup name"), max_length=64, blank=True)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    database_bytes = models.BigIntegerField(_("database dump size"), default=0)
    objects_total = models.PositiveIntegerField(_("objects in the backup"), default=0)
    objects_copied = models.PositiveIntegerField(_("objects copied"), default=0)
    bytes_total = models.BigIntegerField(_("size of the backup"), default=0)
    bytes_copied = models.BigIntegerField(_("bytes copied"), default=0)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    #: Backups removed from the target by the retention rule after this run.
    pruned = models.PositiveIntegerField(_("old backups removed"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("backup run")
        verbose_name_plural = _("backup runs")

    def __str__(self) -> str:
        return f"{self.name or self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class IntegrityRun(models.Model):
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    trigger = models.CharField(
        _("started by"), max_length=16, choices=Trigger.choices, default=Trigger.MANUAL
    )
    checked = models.PositiveIntegerField(_("items checked"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    unexpected = models.PositiveIntegerField(_("unexpected"), default=0)
    #: Whether the ledger's own MAC chain verified.
    chain_ok = models.BooleanField(_("ledger chain intact"), default=True)
    #: ``[{"kind": ..., "ref": ..., "problem": "changed|missing|unexpected", "detail": ...}]``
    findings = models.JSONField(_("findings"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("integrity check")
        verbose_name_plural = _("integrity checks")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"
