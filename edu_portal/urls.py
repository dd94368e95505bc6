from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from edu_portal.cms import admin_csp, page_cache
from edu_portal.operations.metrics.views import metrics
from edu_portal.portal import health

admin.site.site_header = admin.site.site_title = _("Education portal administration")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Prometheus; internal callers only (METRICS_ALLOWED_NETWORKS), a 404 for the rest.
    path("metrics", metrics, name="metrics"),
    # Before Django's own: no CSRF token asked of anonymous visitors (edu_portal.cms.page_cache).
    path("i18n/setlang/", page_cache.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's settings come from a second request (no inline script); its page has a
    # <style> block and the UI sets style attributes, so styles may be inline here only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    # Wagtail's admin, with the inline scripts and styles it needs allowed there only.
    path("cms/", include(admin_csp.urlpatterns())),
    # One URL module per feature. A feature whose paths share one prefix is mounted under
    # it; the others (pages and their ``api/v1/`` endpoints) route full paths from the
    # root. No two features route the same path, so only each module's own order matters.
    path("review/", include("edu_portal.workflow.urls")),
    path("notifications/", include("edu_portal.notifications.urls")),
    path("", include("edu_portal.schools.urls")),
    path("opds/", include("ebooks.opds.urls")),
    path("periodicals/", include("ebooks.periodicals.urls")),
    path("", include("edu_portal.messaging.section_urls")),
    path("", include("edu_portal.messaging.urls")),
    path("", include("edu_portal.accounts.urls")),
    path("", include("edu_portal.notifications.api_urls")),
    path("", include("edu_portal.storage.urls")),
    path("", include("media_pipeline.uploads.urls")),
    path("", include("media_pipeline.streaming.urls")),
    path("", include("media_pipeline.processing.urls")),
    path("", include("catalog.urls")),
    path("", include("ebooks.reader.urls")),
    path("", include("edu_portal.portal.urls")),
    path("", include("edu_portal.disclosure.urls")),
    path("", include("edu_portal.interaction.urls")),
    path("", include("edu_portal.operations.urls")),
    path("", include("edu_portal.cms.urls")),
    # After the portal's own paths: cms:document-preview (documents/<id>/preview/) would
    # otherwise be taken by Wagtail's serve pattern ^(\d+)/(.*)$.
    path("documents/", include("wagtail.documents.urls")),
    # Last: every path nothing above claimed is a page of the portal's tree (Wagtail).
    path("", include("wagtail.urls")),
]

handler400 = "edu_portal.portal.views.bad_request"
handler403 = "edu_portal.portal.views.permission_denied"
handler404 = "edu_portal.portal.views.page_not_found"
handler500 = "edu_portal.portal.views.server_error"
