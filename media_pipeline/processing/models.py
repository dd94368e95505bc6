"""The processing job of a resource (one row per attempt to build an output set)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = ["ProcessingJob"]


class ProcessingJob(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting")
        PROBING = "probing", _("Checking the file")
        TRANSCODING = "transcoding", _("Converting")
        PUBLISHING = "publishing", _("Publishing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    FINISHED = (State.READY, State.FAILED)

    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("resource"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.UPLOADED
    )
    percent = models.FloatField(_("percent"), default=0)
    error_message = models.TextField(_("error (shown to the uploader)"), blank=True)
    error_detail = models.TextField(_("error detail (for administrators)"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    stage_seconds = models.JSONField(_("seconds per stage"), default=dict, blank=True)
    command = models.JSONField(_("ffmpeg command"), default=list, blank=True)
    probe_info = models.JSONField(_("probe"), default=dict, blank=True)
    plan = models.JSONField(_("ladder plan"), default=dict, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    output_prefix = models.CharField(_("output prefix"), max_length=255, blank=True)

    class Meta:
        app_label = "media_pipeline"
        verbose_name = _("processing job")
        verbose_name_plural = _("processing jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat_idx")]

    def __str__(self) -> str:
        # Shown above each row of the resource admin's job inline and in the audit log.
        return gettext("processing job %(id)s (%(state)s)") % {
            "id": self.pk,
            "state": self.get_state_display(),
        }

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED
