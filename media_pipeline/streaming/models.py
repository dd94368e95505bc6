"""Resume positions and viewing statistics of the video player.

Positions are one row per (user, resource), written by an upsert. Statistics arrive as
beacons that are buffered (Redis or the process) and moved here in batches by
``media_pipeline.streaming.stats``; these tables only ever see one transaction per flush.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["DailyViewStats", "PlaybackPosition", "ResourceViewer", "ViewStatsBatch"]


class PlaybackPosition(models.Model):
    """Where a signed-in user stopped watching a resource, to resume from there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="playback_positions",
        verbose_name=_("user"),
    )
    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.CASCADE,
        related_name="playback_positions",
        verbose_name=_("resource"),
    )
    position = models.FloatField(_("position (s)"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("playback position")
        verbose_name_plural = _("playback positions")
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="playback_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.resource_id}: {self.position:.0f}s"


class DailyViewStats(models.Model):
    """Plays and watch time of one resource on one (local) day."""

    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.CASCADE,
        related_name="daily_view_stats",
        verbose_name=_("resource"),
    )
    date = models.DateField(_("date"))
    plays = models.PositiveBigIntegerField(_("plays"), default=0)
    watch_seconds = models.FloatField(_("watch time (s)"), default=0)

    class Meta:
        verbose_name = _("daily viewing statistics")
        verbose_name_plural = _("daily viewing statistics")
        ordering = ["resource", "date"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "date"], name="daily_view_stats_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.date}: {self.plays}"


class ResourceViewer(models.Model):
    """One row per distinct viewer of a resource, ever: unique viewers = count of rows.

    ``viewer_key`` is ``u:<user id>`` for signed-in users and a keyed hash otherwise
    (never a raw address or the browser's own id), see stats.viewer_key.
    """

    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.CASCADE,
        related_name="viewers",
        verbose_name=_("resource"),
    )
    viewer_key = models.CharField(_("viewer"), max_length=64)
    first_seen = models.DateField(_("first seen"), default=timezone.localdate)

    class Meta:
        verbose_name = _("viewer")
        verbose_name_plural = _("viewers")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "viewer_key"], name="resource_viewer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.viewer_key}"


class ViewStatsBatch(models.Model):
    """A Redis flush batch already applied, so a flush retried after a crash between the
    database commit and the Redis cleanup does not count the same beacons twice."""

    batch_id = models.CharField(_("batch"), max_length=64, unique=True)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("applied statistics batch")
        verbose_name_plural = _("applied statistics batches")

    def __str__(self) -> str:
        return self.batch_id
