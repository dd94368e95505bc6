"""机关处室 and 办事指南 as structured pages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from edu_portal.cms.models.pages import RICH_TEXT_FEATURES


class DepartmentIndexPage(Page):
    """机关处室: lists the department pages below it."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.DepartmentPage"]

    class Meta:
        verbose_name = _("department list")
        verbose_name_plural = _("department lists")


class DepartmentPage(Page):
    """One department. Its duties, phone, address and head are read from its org unit (the
    org tree is the one place they are typed); ``body`` adds anything else."""

    unit = models.OneToOneField(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="cms_department_page",
        verbose_name=_("department"),
    )
    body = RichTextField(_("more about the department"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("unit"), FieldPanel("body")]
    parent_page_types = ["cms.DepartmentIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("department page")
        verbose_name_plural = _("department pages")


class ServiceGuidePage(Page):
    """办事指南. The title is the item's name (事项名称). Every element in
    ``REQUIRED_ELEMENTS`` must be filled before the guide can be published (the inspection
    fails a site for guides missing key elements); a draft may be incomplete."""

    REQUIRED_ELEMENTS = (
        "basis",
        "conditions",
        "materials",
        "procedure",
        "time_limit",
        "fees",
        "location",
        "phone",
    )

    department = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    basis = RichTextField(_("legal basis"), blank=True, features=RICH_TEXT_FEATURES)
    conditions = RichTextField(_("conditions"), blank=True, features=RICH_TEXT_FEATURES)
    materials = RichTextField(_("materials to bring"), blank=True, features=RICH_TEXT_FEATURES)
    procedure = RichTextField(_("procedure"), blank=True, features=RICH_TEXT_FEATURES)
    time_limit = models.CharField(_("time limit"), max_length=200, blank=True)
    fees = models.CharField(_("fees"), max_length=200, blank=True)
    location = models.CharField(_("where to apply"), max_length=200, blank=True)
    phone = models.CharField(_("enquiry phone"), max_length=60, blank=True)
    faq = RichTextField(_("frequently asked questions"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [
        *Page.content_panels,
        FieldPanel("department"),
        FieldPanel("basis"),
        FieldPanel("conditions"),
        FieldPanel("materials"),
        FieldPanel("procedure"),
        FieldPanel("time_limit"),
        FieldPanel("fees"),
        FieldPanel("location"),
        FieldPanel("phone"),
        FieldPanel("faq"),
    ]
    parent_page_types = ["cms.ColumnPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("service guide")
        verbose_name_plural = _("service guides")
