"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from edu_portal.accounts.permissions import has_perm
from edu_portal.portal.sections import SECTIONS


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "client_on_intranet": getattr(request, "on_intranet", False),
        "nav_sections": SECTIONS,
        "current_url_name": match.url_name if match else "",
        # SimpleLazyObject: the role query runs only when a template asks.
        "can_upload": SimpleLazyObject(lambda: has_perm(request.user, "resource.upload")),
        "can_review": SimpleLazyObject(lambda: has_perm(request.user, "content.review")),
    }
