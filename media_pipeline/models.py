"""Models of the media pipeline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Upload(models.Model):
    """A resumable (tus) upload: what has arrived so far, and where it is stored.

    ``offset`` only ever counts bytes the object store holds durably; it changes together
    with ``storage_state`` (the store's description of those bytes) and ``hash_state``
    (SHA-256 over them) in one conditional UPDATE by the request holding the lock
    (``lock_token`` until ``locked_until``). See media_pipeline/uploads/actions.py.
    """

    class Status(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        # Every byte is stored; the object is being put together (see actions.finish).
        ASSEMBLING = "assembling", _("Assembling")
        COMPLETE = "complete", _("Complete")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="uploads",
        verbose_name=_("owner"),
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    filetype = models.CharField(_("file type"), max_length=127)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    length = models.PositiveBigIntegerField(_("size"))
    offset = models.PositiveBigIntegerField(_("bytes received"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVING
    )
    key = models.CharField(_("object key"), max_length=255, editable=False)
    storage_state = models.JSONField(_("storage state"), default=dict, editable=False)
    hash_state = models.BinaryField(_("hash state"), null=True, editable=False)
    # The first bytes, kept only until the content check has seen enough of them.
    head = models.BinaryField(_("first bytes"), default=b"", editable=False)
    content_checked = models.BooleanField(_("content checked"), default=False, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    lock_token = models.CharField(_("lock token"), max_length=32, blank=True, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="upload_status_expiry_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__lte=F("length")), name="upload_offset_within_length"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.id} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETE


from media_pipeline.processing.models import ProcessingJob  # noqa: E402,F401
from media_pipeline.streaming.models import (  # noqa: E402,F401
    DailyViewStats,
    PlaybackPosition,
    ResourceViewer,
    ViewStatsBatch,
)
