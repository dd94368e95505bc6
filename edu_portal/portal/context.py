"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest

from edu_portal.portal.sections import SECTIONS


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "client_on_intranet": getattr(request, "on_intranet", False),
        "nav_sections": SECTIONS,
        "current_url_name": match.url_name if match else "",
    }
