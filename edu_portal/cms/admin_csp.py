"""Wagtail's admin under the site's Content-Security-Policy, relaxed for /cms/ only.

The site allows no inline script or style (settings.CONTENT_SECURITY_POLICY). Wagtail 8's
admin still writes a few inline scripts into its pages (the date and time pickers of
scheduled publishing, inline panels such as an article's attachments, multiple choosers)
and sets style attributes (Draftail, the side panels), so its pages may run inline
scripts and styles: only under /cms/, which only signed-in editors reach, and nothing else
is widened (no eval, no other origins). A nonce is not an option: Wagtail's templates do
not carry one, and a nonce in the header would make browsers ignore 'unsafe-inline'."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

ADMIN_RELAXED = {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE]}


def urlpatterns() -> list:
    """Wagtail admin's URL patterns, each view answering with the relaxed policy."""
    return decorate_urlpatterns(wagtailadmin_urls.urlpatterns, csp_update(ADMIN_RELAXED))
