"""Articles with the disclosure catalogue's fields (Art. 12; 国办发〔2017〕47号 for marking
amended and repealed documents), and the serials behind their 索引号."""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from edu_portal.cms.models.pages import RICH_TEXT_FEATURES


class Category(models.TextChoices):
    """信息分类 (Art. 20's kinds of proactively disclosed information, as portals group
    them)."""

    ORGANISATION = "organisation", _("Organisation and functions")
    POLICY = "policy", _("Policies and documents")
    PLANNING = "planning", _("Plans and summaries")
    PERSONNEL = "personnel", _("Personnel appointments")
    PROJECTS = "projects", _("Major projects")
    FINANCE = "finance", _("Budgets and final accounts")
    STATISTICS = "statistics", _("Education statistics")
    ADMISSIONS = "admissions", _("Enrolment and examinations")
    SERVICES = "services", _("Public services")
    NEWS = "news", _("News")
    OTHER = "other", _("Other")


class Validity(models.TextChoices):
    """有效性."""

    VALID = "valid", _("In force")
    EXPIRED = "expired", _("Expired")
    REPEALED = "repealed", _("Repealed")


class DocKind(models.TextChoices):
    """Whether a document is a 规章 or a 行政规范性文件 (Table 二 of the annual report)."""

    OTHER = "other", _("Other document")
    REGULATION = "regulation", _("Rule (规章)")
    NORMATIVE = "normative", _("Normative document (行政规范性文件)")


class ArticlePage(RoutablePageMixin, Page):
    """A news item, notice or bureau document.

    ``index_number`` (索引号, ``<org code>/<year>-<5-digit serial>``) is given once, on first
    publication, from :class:`IndexSerial`, and never changes or returns. ``published_on``
    is the date shown (发布日期): the first publication's date unless an import kept the old
    site's date. When a document is amended or repealed, ``superseded_by`` points at the new
    one and the original shows it.
    """

    summary = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("body"), blank=True, features=RICH_TEXT_FEATURES)
    index_number = models.CharField(
        _("index number"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    category = models.CharField(
        _("information category"), max_length=32, choices=Category.choices, blank=True
    )
    issuer = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issuing body"),
    )
    written_on = models.DateField(_("date written"), null=True, blank=True)
    published_on = models.DateField(_("date published"), null=True, blank=True, db_index=True)
    doc_number = models.CharField(
        pgettext_lazy("issued document", "document number"), max_length=100, blank=True
    )
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    validity = models.CharField(
        _("validity"), max_length=16, choices=Validity.choices, default=Validity.VALID
    )
    doc_kind = models.CharField(
        _("kind of document"), max_length=16, choices=DocKind.choices, default=DocKind.OTHER
    )
    superseded_by = models.ForeignKey(
        "cms.ArticlePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("amended or replaced by"),
    )
    # Identity of a line of an old site's export (``import_articles``), so that running the
    # import again skips what it already created.
    import_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attachments")),
    ]
    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("category"),
                FieldPanel("issuer"),
                FieldPanel("written_on"),
                FieldPanel("published_on"),
                FieldPanel("doc_number"),
                FieldPanel("keywords"),
                FieldPanel("doc_kind"),
                FieldPanel("validity"),
                FieldPanel("superseded_by"),
            ],
            heading=_("Disclosure catalogue"),
        ),
        *Page.promote_panels,
    ]
    parent_page_types = ["cms.ColumnPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    # --- what the templates show (cms/article_page.html) ---

    @property
    def display_date(self):
        """发布日期 as shown: ``published_on``, else the day of first publication."""
        if self.published_on:
            return self.published_on
        if self.first_published_at:
            from django.utils import timezone

            return timezone.localdate(self.first_published_at)
        return None

    @property
    def no_longer_valid(self) -> bool:
        return self.validity != Validity.VALID

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["attachments"] = self.attachments.select_related("document")
        # The documents this one amends or replaces, when they are still public.
        context["replaces"] = self.supersedes.live().public().order_by("-published_on")
        successor = self.superseded_by
        context["successor"] = successor if successor and successor.live else None
        return context

    @path("print/", name="print")
    def print_view(self, request):
        """The article alone, without the site's header, navigation and footer."""
        return self.render(request, template="cms/article_print.html")

    # Values that belong to the article as a whole, not to one revision: a revision saved
    # before the first publication holds none of them, and publishing or reverting to it
    # must not clear or change them (Wagtail copies a revision onto the page when it
    # publishes, through this method).
    KEPT_FROM_LIVE = ("index_number", "published_on", "import_key")

    def with_content_json(self, content):
        page = super().with_content_json(content)
        for name in self.KEPT_FROM_LIVE:
            live_value = getattr(self, name)
            if live_value:
                setattr(page, name, live_value)
        return page

    def save(self, *args, **kwargs):
        self._keep_stored_numbering()
        if self.live and not self.index_number:
            # First publication (by the admin, a schedule or the import): the 索引号 and the
            # date shown are fixed now, in the same transaction as the page row.
            with transaction.atomic():
                IndexSerial.number_on_first_publication(self)
                update_fields = kwargs.get("update_fields")
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "index_number", "published_on"}
                return super().save(*args, **kwargs)
        return super().save(*args, **kwargs)

    def _keep_stored_numbering(self) -> None:
        # with_content_json keeps them when the page it is called on is fresh; an object
        # held since before the first publication is not, so the row decides here too.
        if self.pk is None:
            return
        stored = type(self).objects.filter(pk=self.pk).values(*self.KEPT_FROM_LIVE).first()
        if not stored:
            return
        if stored["index_number"]:
            self.index_number = stored["index_number"]
            self.published_on = stored["published_on"] or self.published_on
        if stored["import_key"]:
            self.import_key = stored["import_key"]


class ArticleAttachment(Orderable):
    """A file attached to an article: a Wagtail document, kept in the platform's object
    store (``STORAGES["default"]``), previewed like resource files."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document"),
    )
    title = models.CharField(_("title"), max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class IndexSerial(models.Model):
    """The last serial given for an organisation code and year. Only ever incremented (under
    a row lock), so a number is never given twice, even after its article is deleted."""

    org_code = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_code", "year"], name="cms_index_serial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_code}/{self.year}-{self.last:05d}"

    @classmethod
    def next_number(cls, year: int, org_code: str | None = None) -> str:
        """Take the next serial of ``year`` and return ``<org code>/<year>-<5 digits>``.

        The row is locked (``select_for_update``: a row lock on PostgreSQL; SQLite runs
        write transactions one at a time, ``transaction_mode=IMMEDIATE``) and only ever
        incremented, so no number is given twice, even after its article is deleted.
        """
        from django.conf import settings
        from django.db import IntegrityError
        from django.db.models import F

        org_code = org_code or settings.CMS_ORG_CODE
        with transaction.atomic():
            try:
                with transaction.atomic():
                    cls.objects.get_or_create(org_code=org_code, year=year)
            except IntegrityError:
                pass  # another transaction created the row first; it is there now
            serial = cls.objects.select_for_update().get(org_code=org_code, year=year)
            cls.objects.filter(pk=serial.pk).update(last=F("last") + 1)
            serial.refresh_from_db(fields=["last"])
        return f"{org_code}/{year}-{serial.last:05d}"

    @classmethod
    def number_on_first_publication(cls, page: ArticlePage) -> None:
        """Fix the 发布日期 (when none was given: the first publication's local date) and
        give the 索引号 of that year (``ArticlePage.save``, when a page goes live unnumbered)."""
        from django.utils import timezone

        if page.published_on is None:
            page.published_on = timezone.localdate(page.first_published_at or timezone.now())
        page.index_number = cls.next_number(page.published_on.year)


class DocumentPreview(models.Model):
    """The PDF preview of a Wagtail document (an Office file converted by LibreOffice; a
    PDF is its own preview and has no row). ``source_hash`` is the document's file hash
    when the preview was made, so a replaced file gets a new one; ``key`` is the PDF in
    the object store."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", pgettext_lazy("preview", "Ready")
        FAILED = "failed", _("Failed")

    document = models.OneToOneField(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="cms_preview"
    )
    source_hash = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    key = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preview of document {self.document_id}: {self.state}"
