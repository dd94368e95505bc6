"""Template tags of the portal's pages: the header's columns and the breadcrumb trail.

Both read the Wagtail site of the request (cached on the request by Wagtail), so a school
with its own host name gets its own columns and trail."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from wagtail.models import Page, Site

from edu_portal.cms import column_links

register = template.Library()


@register.simple_tag
def column_services(column) -> list[column_links.ColumnLink]:
    """The services other apps offer in this column (see ``cms.column_links``)."""
    return column_links.links_for(column)


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    current: bool


@dataclass(frozen=True)
class Menu:
    items: list[MenuItem]
    # The columns' URLs: the header skips a platform section a column already stands for
    # (政务公开 is both).
    urls: frozenset[str]


def _site_root(request) -> Page | None:
    site = Site.find_for_request(request) if request is not None else None
    return site.root_page if site is not None else None


@register.simple_tag(takes_context=True)
def portal_menu(context) -> Menu:
    """The live, public columns marked "show in menus" under the site's home page, with
    the one holding the current page marked."""
    request = context.get("request")
    root = _site_root(request)
    if root is None:
        return Menu([], frozenset())
    current = context.get("page")
    current_path = getattr(current, "path", "")
    items = []
    for column in root.get_children().live().public().in_menu().order_by("path"):
        url = column.get_url(request)
        if url:
            items.append(MenuItem(column.title, url, current_path.startswith(column.path)))
    return Menu(items, frozenset(item.url for item in items))


@register.inclusion_tag("cms/includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page: Page):
    """The trail from the site's home page down to ``page``'s parent."""
    request = context.get("request")
    root = _site_root(request)
    trail = []
    if root is not None and page.pk != root.pk and page.path.startswith(root.path):
        trail = list(page.get_ancestors().filter(depth__gte=root.depth).specific())
    return {"trail": trail, "page": page, "request": request}
