"""Labels for the handling pages' rows (which are dicts, not model instances)."""

from __future__ import annotations

from django import template

from edu_portal.disclosure.models import Application

register = template.Library()


@register.filter
def state_label(value: str) -> str:
    try:
        return str(Application.State(value).label)
    except ValueError:
        return value
