"""Each school's own section of the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from edu_portal.cms.models.pages import RICH_TEXT_FEATURES


class SchoolSitePage(Page):
    """A school's home within the portal, with its news, notices and introduction below.

    The school's administrators edit it and grant teachers (``editors``) the right to write
    in it; pages are approved by the school's reviewers (or the office). ``hostname``, when
    set, gives the school a Wagtail site of its own rooted here."""

    school = models.OneToOneField(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="cms_site",
        verbose_name=_("school"),
    )
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)
    hostname = models.CharField(_("own host name"), max_length=255, blank=True)
    editors = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cms_school_sites",
        verbose_name=_("teachers who may write here"),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [*Page.settings_panels, FieldPanel("hostname"), FieldPanel("editors")]
    subpage_types = ["cms.ColumnPage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("school site")
        verbose_name_plural = _("school sites")
