"""Catalog models. Only what teaching videos need for now; the catalog issue extends it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edu_portal.access import Visibility


class Resource(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        COURSEWARE = "courseware", _("Courseware")
        DOCUMENT = "document", _("Document")
        EBOOK = "ebook", _("E-book")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.INTRANET
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("uploader"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("org unit"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    source_key = models.CharField(_("source object key"), max_length=255, blank=True)
    source_size = models.PositiveBigIntegerField(_("source size"), default=0)
    source_sha256 = models.CharField(_("source SHA-256"), max_length=64, blank=True)
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    # hls/<resource>/<job>/ of the output set being served; empty until the first is ready.
    output_prefix = models.CharField(_("published output"), max_length=255, blank=True)
    poster_key = models.CharField(_("poster key"), max_length=255, blank=True)
    # A progressive MP4 (720p or the top rung below it) for teachers who take a copy.
    mp4_key = models.CharField(_("MP4 download key"), max_length=255, blank=True)
    # The name the file had on the teacher's computer: offered when the original is
    # downloaded, so it opens with the right program.
    source_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    # Soft deletion: links and bookmarks then get "removed" (410), not "never existed".
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "kind"], name="resource_status_kind_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def stream_path(self) -> str | None:
        """Where the player fetches the master playlist (served by the streaming views)."""
        if self.status != self.Status.READY or not self.output_prefix or self.is_deleted:
            return None
        return f"/stream/{self.pk}/master.m3u8"

    @property
    def watch_path(self) -> str | None:
        """The player page; it shows progress while the video is still processing."""
        if self.kind not in (self.Kind.VIDEO, self.Kind.AUDIO) or self.is_deleted:
            return None
        return f"/watch/{self.pk}/"
