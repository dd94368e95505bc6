"""Each school's own section of the portal."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, Site

from edu_portal.cms.models.pages import RICH_TEXT_FEATURES

# A DNS host name: labels of letters, digits and hyphens (not at either end), at least one
# dot, no port, no scheme. Stored lower-case.
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SchoolIndexPage(Page):
    """学校风采: the school sites, one per school of the org tree (cms.schools creates them)."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.SchoolSitePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sites"] = (
            SchoolSitePage.objects.child_of(self)
            .live()
            .public()
            .select_related("school")
            .order_by("title")
        )
        return context

    class Meta:
        verbose_name = _("school sites")
        verbose_name_plural = _("school site lists")


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
    hostname = models.CharField(
        _("own host name"),
        max_length=253,
        blank=True,
        help_text=_(
            "For example www.school.example.cn. The site then also answers at that address "
            "(the server must be set up to accept it: ALLOWED_HOSTS). Leave empty for none."
        ),
    )
    editors = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cms_school_sites",
        verbose_name=_("teachers who may write here"),
    )

    content_panels = [FieldPanel("title", read_only=True), FieldPanel("intro")]
    # ``editors`` are granted in the school console (cms:school-site-editors), where the
    # school is checked; offering the field here would let a granted teacher add anyone.
    # A host name is a server setting: only those who manage Wagtail sites set it.
    settings_panels = [
        *Page.settings_panels,
        FieldPanel("hostname", permission="wagtailcore.change_site"),
    ]
    parent_page_types = ["cms.SchoolIndexPage"]
    subpage_types = ["cms.ColumnPage", "cms.StandardPage"]
    is_creatable = False

    class Meta:
        verbose_name = _("school site")
        verbose_name_plural = _("school sites")
        constraints = [
            models.UniqueConstraint(
                fields=["hostname"],
                condition=~Q(hostname=""),
                name="cms_school_site_unique_hostname",
                violation_error_message=_("Another school's site already uses this host name."),
            )
        ]

    def clean(self) -> None:
        super().clean()
        self.hostname = (self.hostname or "").strip().lower().rstrip(".")
        if not self.hostname:
            return
        if not HOSTNAME_RE.match(self.hostname):
            raise ValidationError(
                {
                    "hostname": _(
                        "“%(host)s” is not a host name. Write it like www.school.example.cn: "
                        "letters, digits, hyphens and dots, without http:// or a path."
                    )
                    % {"host": self.hostname}
                }
            )
        taken = Site.objects.filter(hostname=self.hostname)
        if self.pk:
            taken = taken.exclude(root_page_id=self.pk)
        if taken.exists():
            raise ValidationError(
                {
                    "hostname": _("The host name “%(host)s” is already in use by another site.")
                    % {"host": self.hostname}
                }
            )

    def with_content_json(self, content):
        # The school and its granted teachers are not content: an old revision, published
        # or restored, keeps today's (they are changed in the school console only).
        obj = super().with_content_json(content)
        obj.school_id = self.school_id
        obj.editors = list(self.editors.all())
        return obj

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        columns = self.get_children().live().public().specific()
        context["school_columns"] = columns
        return context
