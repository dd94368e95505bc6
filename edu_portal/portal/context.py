"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from edu_portal.accounts.permissions import has_perm, is_bureau_admin
from edu_portal.portal.sections import BY_URL_NAME, SECTIONS


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "client_on_intranet": getattr(request, "on_intranet", False),
        "nav_sections": SECTIONS,
        "current_url_name": url_name,
        # The section whose page this is (title, description, intranet badge), found by
        # URL name so that feature apps routing a section page need not import the shell.
        # Section pages are never namespaced: ``reader:cover`` is no section.
        "section": BY_URL_NAME.get(url_name) if match and not match.namespace else None,
        # SimpleLazyObject: the role query runs only when a template asks.
        "can_upload": SimpleLazyObject(lambda: has_perm(request.user, "resource.upload")),
        "can_review": SimpleLazyObject(lambda: has_perm(request.user, "content.review")),
        "can_manage_school": SimpleLazyObject(lambda: has_perm(request.user, "users.manage")),
        # The bureau's administrators: the backups and integrity page (operations).
        "can_operate": SimpleLazyObject(lambda: is_bureau_admin(request.user)),
    }
