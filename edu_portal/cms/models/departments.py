"""机关处室 and 办事指南 as structured pages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from edu_portal.cms import guides
from edu_portal.cms.models.pages import RICH_TEXT_FEATURES


class DepartmentIndexPage(Page):
    """机关处室: lists the department pages below it."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.DepartmentPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # In the org tree's order, with each unit's facts read from the tree.
        context["departments"] = (
            DepartmentPage.objects.child_of(self)
            .live()
            .public()
            .filter(unit__isnull=False)
            .select_related("unit")
            .order_by("unit__path")
        )
        return context

    class Meta:
        verbose_name = _("department list")
        verbose_name_plural = _("department lists")


class DepartmentPage(Page):
    """One department. Its duties, phone, address and head are read from its org unit (the
    org tree is the one place they are typed); ``body`` adds anything else."""

    # Null once the unit is deleted: the page is then taken offline (cms.departments), but
    # kept with its history rather than blocking the org tree's deletion.
    unit = models.OneToOneField(
        "accounts.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cms_department_page",
        verbose_name=_("department"),
    )
    body = RichTextField(_("more about the department"), blank=True, features=RICH_TEXT_FEATURES)

    # The title and the unit come from the org tree (cms.departments keeps them in step):
    # editors add ``body`` only, and nobody creates a department page by hand.
    content_panels = [
        FieldPanel("title", read_only=True),
        FieldPanel("unit", read_only=True),
        FieldPanel("body"),
    ]
    parent_page_types = ["cms.DepartmentIndexPage"]
    subpage_types: list[str] = []
    is_creatable = False

    def with_content_json(self, content):
        # The unit is the org tree's, not a revision's: restoring an old revision keeps it.
        obj = super().with_content_json(content)
        obj.unit_id = self.unit_id
        return obj

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        unit = self.unit
        # Read from the org tree at every view: an edit there shows here at once.
        context["unit"] = unit
        context["duties_lines"] = [
            line.strip() for line in (unit.duties if unit else "").splitlines() if line.strip()
        ]
        return context

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
    # Publishing and submitting for approval refuse a guide with missing elements; saving a
    # draft does not (see cms.guides).
    base_form_class = guides.ServiceGuideForm

    def publish(self, revision, *args, **kwargs):
        # Every route that publishes a revision comes here (the editor, workflow approval,
        # scheduled publishing, code): the revision's own content is checked, before Wagtail
        # changes anything.
        scheduled = kwargs.get("log_action") == "wagtail.publish.scheduled"
        if not guides.check_revision(revision, scheduled=scheduled):
            return None
        return super().publish(revision, *args, **kwargs)

    def save(self, *args, **kwargs):
        # Backstop for callers that run Wagtail's publish action directly (the editor's
        # publish button, the admin API): a full save of a live page is a publication.
        if self.live and kwargs.get("clean", True) and kwargs.get("update_fields") is None:
            guides.require_complete(self)
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["elements"] = guides.elements(self)
        return context

    class Meta:
        verbose_name = _("service guide")
        verbose_name_plural = _("service guides")
