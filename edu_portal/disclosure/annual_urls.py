"""Routes of the annual report (included into ``disclosure.urls``, namespace ``disclosure``)."""

from django.urls import path

from edu_portal.disclosure import annual_api, annual_views

urlpatterns = [
    path("disclosure/staff/annual-reports/", annual_views.index, name="annual-index"),
    path("disclosure/staff/annual-reports/<int:year>/", annual_views.report, name="annual"),
    path(
        "disclosure/staff/annual-reports/<int:year>/regenerate/",
        annual_views.regenerate,
        name="annual-regenerate",
    ),
    path(
        "disclosure/staff/annual-reports/<int:year>/publish/",
        annual_views.publish,
        name="annual-publish",
    ),
    path(
        "api/v1/disclosure-annual-reports/<int:year>/",
        annual_api.AnnualReportDetail.as_view(),
        name="api-annual-report",
    ),
]
