"""What a resource row shows beside its text: its thumbnail and the favourite button.

Both are asked per row from templates that are included in many lists (results, related,
home); the favourite ids of the signed-in user are read once per request.
"""

from __future__ import annotations

from django import template

from catalog import favourites, kinds

register = template.Library()


@register.filter
def thumbnail_url(resource) -> str:
    """The resource's list image URL, or "" (the row then shows the kind's icon)."""
    return kinds.thumbnail_url(resource) or ""


@register.simple_tag(takes_context=True)
def is_favourite(context, resource) -> bool:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return resource.pk in favourites.ids_for_request(request)
