"""The portal's own paths (outside Wagtail's page tree), one module per concern. Mounted
before Wagtail's catch-all in edu_portal/urls.py."""

from django.urls import include, path

app_name = "cms"

urlpatterns = [
    path("", include("edu_portal.cms.url_parts.documents")),
    path("", include("edu_portal.cms.url_parts.search")),
    path("", include("edu_portal.cms.url_parts.site")),
    path("", include("edu_portal.cms.url_parts.schools")),
    path("", include("edu_portal.cms.url_parts.visits")),
]
