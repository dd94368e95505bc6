"""What the portal's pages list: a column's articles, the home page's latest items, the
网站地图 tree and the 公开目录 with its filters. The page models' ``get_context`` call these,
so the models stay declarations and the queries are in one place. The models are looked up
through Django's app registry rather than imported: they import this module, and the app's
sub-packages must not import each other in a circle.

Only live pages without a view restriction are ever listed: a visitor must not learn the
title of a draft or of a page kept for signed-in staff.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import DateField, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from wagtail.models import Page

from edu_portal.accounts.models import OrgUnit


def _model(name: str):
    return apps.get_model("cms", name)


COLUMN_PAGE_SIZE = 20
CATALOGUE_PAGE_SIZE = 30
HOME_ITEMS = 8


def visible(queryset: QuerySet) -> QuerySet:
    return queryset.live().public()


def articles_under(page: Page) -> QuerySet:
    """Live, public articles anywhere below ``page``, newest first by the date shown
    (发布日期: ``published_on``, else the day of first publication)."""
    return (
        visible(_model("ArticlePage").objects.descendant_of(page))
        .annotate(
            shown_on=Coalesce(
                "published_on", TruncDate("first_published_at"), output_field=DateField()
            )
        )
        .order_by("-shown_on", "-first_published_at", "-pk")
    )


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int) -> PaginatorPage:
    """A page of ``queryset``; a missing, malformed or out-of-range ``?page=`` gives the
    nearest real page instead of an error (links to old page numbers outlive the list)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def subpages(page: Page) -> QuerySet:
    """The visible children of a column other than its articles: sub-columns, plain pages,
    the catalogue, service guides."""
    return visible(page.get_children()).not_type(_model("ArticlePage")).specific()


# --- home -------------------------------------------------------------------------------


def columns_of_kind(home: Page, kind: str) -> QuerySet:
    return visible(_model("ColumnPage").objects.child_of(home)).filter(kind=kind).order_by("path")


def home_columns(home: Page) -> dict[str, object]:
    """The home page's news and notices (latest items with dates) and the 政务公开 entry
    points, found by column kind rather than slug so that an administrator may rename
    or move them."""
    news = columns_of_kind(home, "news").first()
    notices = columns_of_kind(home, "notice").first()
    disclosure = columns_of_kind(home, "disclosure").first()
    return {
        "news_column": news,
        "latest_news": list(articles_under(news)[:HOME_ITEMS]) if news else [],
        "notice_column": notices,
        "latest_notices": list(articles_under(notices)[:HOME_ITEMS]) if notices else [],
        "disclosure_column": disclosure,
        "disclosure_entries": list(subpages(disclosure)) if disclosure else [],
    }


# --- 网站地图 ----------------------------------------------------------------------------


@dataclass
class TreeNode:
    page: Page
    children: list[TreeNode] = field(default_factory=list)


def sitemap_tree(root: Page) -> TreeNode:
    """The live, public pages under the site's root as nested nodes, articles left out
    (they are listed in their columns; thousands of them would bury the structure).

    One query: pages come in tree order, so each one's parent was seen before it. A page
    under a hidden one is left out too (a private section stays private)."""
    top = TreeNode(root)
    by_path = {root.path: top}
    pages = visible(root.get_descendants()).not_type(_model("ArticlePage")).order_by("path")
    for page in pages:
        parent = by_path.get(page.path[: -Page.steplen])
        if parent is None:
            continue
        node = TreeNode(page)
        parent.children.append(node)
        by_path[page.path] = node
    return top


# --- 公开目录 -----------------------------------------------------------------------------


@dataclass
class Catalogue:
    page: PaginatorPage
    category: str = ""
    issuer: int | None = None
    year: int | None = None
    errors: list[str] = field(default_factory=list)
    categories: list = field(default_factory=list)
    issuers: list = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    query: str = ""


def catalogue(request: HttpRequest, root: Page) -> Catalogue:
    """Every live article of the site that carries a 信息分类, filtered by ``category``,
    ``issuer`` (an org unit id) and ``year`` from the query string. A value that is not
    one of the choices is named in a sentence and ignored, never a server error."""
    articles = articles_under(root).exclude(category="").select_related("issuer")
    categories = _model("ArticlePage")._meta.get_field("category").choices
    issuers = list(OrgUnit.objects.filter(pk__in=articles.values("issuer")).order_by("name"))
    years = sorted(
        {day.year for day in articles.values_list("shown_on", flat=True) if day}, reverse=True
    )
    result = Catalogue(
        page=None,  # type: ignore[arg-type]  # set below, once the filters are read
        categories=list(categories),
        issuers=issuers,
        years=years,
    )
    params = request.GET
    category = params.get("category", "").strip()
    if category:
        if category in dict(categories):
            result.category = category
            articles = articles.filter(category=category)
        else:
            result.errors.append(_("There is no information category “%s”.") % category[:40])
    issuer = params.get("issuer", "").strip()
    if issuer:
        unit = next((u for u in issuers if str(u.pk) == issuer), None)
        if unit is not None:
            result.issuer = unit.pk
            articles = articles.filter(issuer=unit)
        else:
            result.errors.append(_("No published document comes from the issuing body chosen."))
    year = params.get("year", "").strip()
    if year:
        if year.isdigit() and 1900 <= int(year) <= datetime.date.today().year + 1:
            result.year = int(year)
            articles = articles.filter(shown_on__year=result.year)
        else:
            result.errors.append(_("“%s” is not a year.") % year[:10])
    kept = {"category": result.category, "issuer": result.issuer or "", "year": result.year or ""}
    result.query = urlencode({key: value for key, value in kept.items() if value})
    result.page = paginate(request, articles, CATALOGUE_PAGE_SIZE)
    return result
