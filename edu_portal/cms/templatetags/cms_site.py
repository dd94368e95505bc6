"""Template tags every page of the site uses (base.html): the government-site footer, the
accessibility bar and a column's feed link."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from edu_portal.cms.footer import footer_context

register = template.Library()


@register.inclusion_tag("cms/footer.html", takes_context=True)
def portal_footer(context) -> dict:
    request = context.get("request")
    return {
        **footer_context(request),
        "request": request,
        "SITE_NAME": context.get("SITE_NAME", ""),
        "client_on_intranet": context.get("client_on_intranet", False),
    }


@register.simple_tag(takes_context=True)
def column_feed_link(context) -> str:
    """``<link rel=alternate>`` to the Atom feed when the page being shown is a column."""
    from edu_portal.cms.feeds import feed_url
    from edu_portal.cms.models import ColumnPage

    page = context.get("page")
    if not isinstance(page, ColumnPage):
        return ""
    title = _("%(column)s (Atom feed)") % {"column": page.title}
    return format_html(
        '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">',
        title,
        feed_url(page),
    )
