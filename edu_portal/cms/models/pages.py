"""The tree's general page types: the home page, columns (栏目), plain pages, the 网站地图
and the 公开目录."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

# One set of editor features for every rich-text field: what a government article needs,
# nothing that would let an editor inject markup (no raw HTML, no embeds).
RICH_TEXT_FEATURES = [
    "h2",
    "h3",
    "h4",
    "bold",
    "italic",
    "ol",
    "ul",
    "hr",
    "link",
    "document-link",
    "image",
]


class ColumnKind(models.TextChoices):
    """How often a column is expected to change: the inspection's staleness rules read it
    (``CMS_STALE_DAYS`` maps a kind to its allowed age)."""

    NEWS = "news", _("News (updated every two weeks)")
    NOTICE = "notice", _("Notices (updated every six months)")
    POLICY = "policy", _("Policies and documents (updated every six months)")
    DISCLOSURE = "disclosure", _("Disclosure column")
    SERVICE = "service", _("Services")
    INTERACTIVE = "interactive", _("Interactive (messages and answers)")
    STATIC = "static", _("Rarely changes")


class HomePage(Page):
    """The portal's home: latest news and notices, the 政务公开 columns, the platform's
    sections. One per site (the bureau's, and each school's own host if it has one)."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    def get_context(self, request, *args, **kwargs):
        from edu_portal.cms import home, listing

        context = super().get_context(request, *args, **kwargs)
        context.update(listing.home_columns(self))
        context.update(home.resource_lists(request))
        return context

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class ColumnPage(Page):
    """A column (栏目): lists its articles, newest first; may hold sub-columns.

    ``editor_units`` are the org units whose editors write here (the platform maps them onto
    Wagtail's page permissions, ``cms.rights``); ``direct_publish`` lets them publish without
    the office's approval (article 3: departments publish their own columns directly, the
    interactive columns are reviewed)."""

    kind = models.CharField(
        _("kind of column"), max_length=16, choices=ColumnKind.choices, default=ColumnKind.NEWS
    )
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)
    editor_units = ParentalManyToManyField(
        "accounts.OrgUnit",
        blank=True,
        related_name="cms_columns",
        verbose_name=_("units whose editors write here"),
    )
    direct_publish = models.BooleanField(
        _("editors publish without the office's approval"), default=False
    )
    default_category = models.CharField(
        _("default information category"), max_length=32, blank=True
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [
        *Page.settings_panels,
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("editor_units"),
                FieldPanel("direct_publish"),
                FieldPanel("default_category"),
            ],
            heading=pgettext_lazy("portal", "Column"),
        ),
    ]

    def get_context(self, request, *args, **kwargs):
        from edu_portal.cms import listing

        context = super().get_context(request, *args, **kwargs)
        # Articles of sub-columns too: 政务公开 opens on the latest of all its columns.
        articles = listing.articles_under(self).select_related("issuer")
        context["articles"] = listing.paginate(request, articles, listing.COLUMN_PAGE_SIZE)
        context["subpages"] = listing.subpages(self)
        return context

    subpage_types = [
        "cms.ColumnPage",
        "cms.ArticlePage",
        "cms.StandardPage",
        "cms.CatalogueIndexPage",
        "cms.ServiceGuidePage",
        "cms.DepartmentIndexPage",
    ]

    class Meta:
        verbose_name = _("column")
        verbose_name_plural = _("columns")


class StandardPage(Page):
    """A page of text: 公开指南, teacher qualification, titles and salary policy …"""

    body = RichTextField(_("body"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = pgettext_lazy("portal", "pages")


class SitemapPage(Page):
    """网站地图: generated from the live page tree, nothing typed."""

    subpage_types: list[str] = []
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from edu_portal.cms import listing

        context = super().get_context(request, *args, **kwargs)
        site = self.get_site()
        context["tree"] = listing.sitemap_tree(site.root_page if site else self.get_parent())
        return context

    class Meta:
        verbose_name = _("site map")
        verbose_name_plural = _("site maps")


class CatalogueIndexPage(Page):
    """公开目录: every disclosure article, filterable by category, issuing body and year."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        from edu_portal.cms import listing

        context = super().get_context(request, *args, **kwargs)
        site = self.get_site()
        context["catalogue"] = listing.catalogue(request, site.root_page if site else self)
        return context

    class Meta:
        verbose_name = _("disclosure catalogue")
        verbose_name_plural = _("disclosure catalogues")
