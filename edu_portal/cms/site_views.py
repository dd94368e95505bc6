"""robots.txt: crawlers may read the public portal, not the admin, the APIs or the signed
media paths (a signed link is for its one visitor, and the files behind it are not
public pages)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

DISALLOWED = (
    "/cms/",
    "/admin/",
    "/api/",
    "/review/",
    "/notifications/",
    "/objects/",
    "/stream/",
    "/resources/*/download/",
    "/read/*/book.",
    "/accounts/",
    "/search/",
)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in DISALLOWED]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('cms:sitemap-xml'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
