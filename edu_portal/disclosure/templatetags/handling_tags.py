"""Labels for the handling pages' rows (which are dicts, not model instances)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join

from edu_portal.disclosure.models import Application

register = template.Library()


@register.filter
def state_label(value: str) -> str:
    try:
        return str(Application.State(value).label)
    except ValueError:
        return value


@register.filter
def steps_items(steps) -> str:
    """The due date's steps as <li> items, escaped (one call instead of a template loop:
    the board renders fifty of these)."""
    return format_html_join("", "<li>{}</li>", ((step,) for step in steps or ()))
