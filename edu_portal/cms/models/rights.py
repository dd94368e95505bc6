"""The Wagtail groups the platform keeps for itself (``cms.rights``)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class ManagedGroup(models.Model):
    """A Wagtail group whose members and page permissions ``cms.rights.sync`` derives from
    the platform's roles and columns. ``key`` names what it stands for ("office",
    "column:12", "school-admins:7", "school-teachers:7") so that a renamed column keeps its
    group; hand edits to the group are overwritten by the next sync."""

    key = models.CharField(_("key"), max_length=60, unique=True)
    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, related_name="cms_managed", verbose_name=_("group")
    )

    class Meta:
        verbose_name = _("platform-managed group")
        verbose_name_plural = _("platform-managed groups")

    def __str__(self) -> str:
        return self.key
