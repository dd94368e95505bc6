"""Periodicals of the bureau: the periodical, its issues and the articles teachers submit
to it (their authors are told through ``edu_portal.notifications``).

An article goes through the shared review workflow (``edu_portal.workflow``). Accepting
it ("approve") moves it to the workflow's ``published`` state, which here means
*accepted*: readers see an article only once it is assigned to an issue and that issue is
published (:meth:`Article.is_public`). The issue's full text, when there is one, is a
catalog e-book resource (``Issue.resource``), read at ``/read/<resource id>/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from edu_portal.workflow.models import Reviewable, State


class Periodical(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")
        BIMONTHLY = "bimonthly", _("Every two months")
        QUARTERLY = "quarterly", _("Quarterly")
        IRREGULAR = "irregular", _("Irregular")

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    description = models.TextField(_("description"), blank=True)
    # Editors hold content.review (decide on articles) and content.publish (accept them,
    # make and publish issues) at this unit or above it.
    editor_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("editorial unit"),
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("periodical")
        verbose_name_plural = _("periodicals")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("periodicals:periodical", args=[self.slug])


class Issue(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        PUBLISHED = "published", pgettext_lazy("state", "Published")

    periodical = models.ForeignKey(
        Periodical, on_delete=models.CASCADE, related_name="issues", verbose_name=_("periodical")
    )
    volume = models.PositiveIntegerField(_("volume"))  # usually the year
    number = models.PositiveIntegerField(_("number"))
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=120, blank=True)  # "2026年第12期"
    cover = models.ForeignKey(
        "catalog.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover"),
    )
    # The full issue (PDF or EPUB) as a catalog e-book.
    resource = models.OneToOneField(
        "catalog.Resource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="periodical_issue",
        verbose_name=_("full issue"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-volume", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["periodical", "volume", "number"], name="periodical_issue_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.periodical.name} {self.display_title}"

    def get_absolute_url(self) -> str:
        return reverse("periodicals:issue", args=[self.periodical.slug, self.volume, self.number])

    @property
    def display_title(self) -> str:
        return self.title or f"{self.volume}-{self.number}"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def key(self) -> str:
        return f"{self.volume}-{self.number}"

    def toc(self) -> list[Article]:
        """The accepted articles of the issue, in their order."""
        return list(
            self.articles.filter(state=State.PUBLISHED)
            .select_related("author")
            .order_by("order", "pk")
        )


class Article(Reviewable):
    periodical = models.ForeignKey(
        Periodical, on_delete=models.PROTECT, related_name="articles", verbose_name=_("periodical")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="periodical_articles",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    abstract = models.TextField(_("abstract"), blank=True)
    # HTML, cleaned with nh3 by the action layer before it is stored.
    body = models.TextField(_("text"), blank=True)
    attachment = models.ForeignKey(
        "catalog.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attachment"),
    )
    attachment_name = models.CharField(_("attachment file name"), max_length=255, blank=True)
    issue = models.ForeignKey(
        Issue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("issue"),
    )
    order = models.PositiveSmallIntegerField(_("order in the issue"), default=0)
    pages = models.CharField(_("pages"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("periodical article")
        verbose_name_plural = _("periodical articles")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("periodicals:article", args=[self.pk])

    @property
    def is_accepted(self) -> bool:
        return self.state == State.PUBLISHED

    @property
    def is_public(self) -> bool:
        """Readers see an article only in a published issue."""
        return (
            self.is_accepted
            and self.issue_id is not None
            and self.issue.state == Issue.State.PUBLISHED
        )
