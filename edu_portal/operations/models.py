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


# --- The integrity ledger (edu_portal.operations.ledger) --------------------------------
# One entry per recorded state of an item: a published page (kind "page", ref = the page's
# id) or a stored object (kind "object", ref = its key). The newest entry of an item
# (highest seq) is what the item must look like now; an entry with ``removed`` says the
# platform itself took it away (unpublished, deleted), so its absence is not "missing".
# Each entry's ``mac`` is HMAC-SHA256 (INTEGRITY_LEDGER_KEY) over its fields and the
# previous entry's mac (``prev_mac``); seq counts 1, 2, 3… without gaps and the head row
# holds the last seq and mac. A rewritten row breaks its MAC, a deleted one leaves a gap,
# reordered ones break prev_mac: verify_integrity reports each.


class LedgerHead(models.Model):
    """The single row (pk 1) that appenders lock: whoever updates it first appends next,
    so two processes never chain onto the same previous entry."""

    seq = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("integrity ledger head")

    def __str__(self) -> str:
        return f"head #{self.seq}"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", _("Published page")
        OBJECT = "object", _("Stored object")

    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    ref = models.CharField(_("item"), max_length=1024)
    #: SHA-256 (hex) of the page's canonical content or the object's bytes; "" if removed.
    digest = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    #: The Wagtail revision a page entry was published from (to serve it again if altered).
    revision_id = models.BigIntegerField(null=True, blank=True)
    removed = models.BooleanField(default=False)
    #: Why it was recorded: "published", "stored", "unpublished", "deleted", "baseline"…
    reason = models.CharField(max_length=32)
    recorded_at = models.DateTimeField()
    prev_mac = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["kind", "ref", "-seq"], name="operations_ledger_item")]
        verbose_name = _("integrity ledger entry")
        verbose_name_plural = _("integrity ledger entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.ref}"
