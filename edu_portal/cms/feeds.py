"""Atom feeds per column (issue 14 item 8): a column's live, public articles, newest first,
with the dates the site shows (发布日期) and the last publication as the update time."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from edu_portal.cms.models import ArticlePage, ColumnPage

FEED_ITEMS = 50


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class ColumnFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, column_id: int) -> ColumnPage:
        column = get_object_or_404(ColumnPage.objects.live(), pk=column_id)
        # A column behind a login or password has no public feed (its articles are not
        # public either); say nothing about whether it exists.
        if column.get_view_restrictions():
            raise Http404
        self.request = request
        return column

    def title(self, column: ColumnPage) -> str:
        return column.title

    def subtitle(self, column: ColumnPage) -> str:
        return _("Latest items of %(column)s") % {"column": column.title}

    def link(self, column: ColumnPage) -> str:
        return column.get_url(self.request) or "/"

    def items(self, column: ColumnPage):
        return (
            ArticlePage.objects.live()
            .public()
            .descendant_of(column)
            .order_by("-published_on", "-first_published_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item: ArticlePage) -> str:
        return item.title

    def item_description(self, item: ArticlePage) -> str:
        return item.summary

    def item_link(self, item: ArticlePage) -> str:
        return item.get_url(self.request)

    def item_pubdate(self, item: ArticlePage) -> datetime.datetime | None:
        if item.published_on:
            return _aware(item.published_on)
        return item.first_published_at

    def item_updateddate(self, item: ArticlePage) -> datetime.datetime | None:
        return item.last_published_at or self.item_pubdate(item)


def feed_url(page) -> str:
    """The feed's path for a column (templates' ``<link rel=alternate>``)."""
    from django.urls import reverse

    return reverse("cms:column-feed", args=[page.pk])
