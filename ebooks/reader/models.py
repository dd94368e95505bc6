"""Where each signed-in reader stopped in each e-book.

One row per (user, resource), written with a single upsert (like the video resume
positions in ``media_pipeline.streaming.positions``), so two tabs saving at once never
collide on the unique key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# An EPUB CFI names a path through the package and the chapter's DOM; real ones are
# well under 200 characters, so this leaves room without storing arbitrary text.
MAX_LOCATION_LENGTH = 500


class ReadingPosition(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reading_positions",
        verbose_name=_("user"),
    )
    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.CASCADE,
        related_name="reading_positions",
        verbose_name=_("resource"),
    )
    # An EPUB CFI ("epubcfi(/6/4!/4/2/1:0)"), a PDF page number ("12") or, for plain
    # text, the scrolled fraction.
    location = models.CharField(_("location"), max_length=MAX_LOCATION_LENGTH)
    progress = models.FloatField(_("progress"), default=0.0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("reading position")
        verbose_name_plural = _("reading positions")
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="reading_position_once"),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0) & models.Q(progress__lte=1),
                name="reading_progress_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.resource_id}: {self.location}"
