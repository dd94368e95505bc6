"""Template tags of the 机关处室, 办事指南 and school-site pages."""

from __future__ import annotations

from django import template
from wagtail.models import Page

from edu_portal.cms import listing
from edu_portal.cms.models import ServiceGuidePage

register = template.Library()


@register.simple_tag
def latest_articles(column: Page, count: int = 6):
    """The newest live, public articles of ``column`` (a school site's news or notices)."""
    return list(listing.articles_under(column)[:count])


@register.simple_tag
def service_guides(page: Page):
    """The live, public service guides below ``page``, with their departments, by title:
    for the 办事指南 column (``{% service_guides page as guides %}`` and
    ``cms/includes/guide_list.html``)."""
    return list(
        listing.visible(ServiceGuidePage.objects.descendant_of(page))
        .select_related("department")
        .order_by("title")
    )
