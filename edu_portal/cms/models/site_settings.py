"""The footer's facts every Chinese government site shows, per Wagtail site."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    host_org = models.CharField(_("organiser (主办单位)"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    icp_number = models.CharField(_("ICP licence number"), max_length=60, blank=True)
    police_number = models.CharField(_("public security record number"), max_length=60, blank=True)
    site_code = models.CharField(_("government website code"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("portal settings")
