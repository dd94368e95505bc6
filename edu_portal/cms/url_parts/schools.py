"""Paths of the portal: the school console's page for a school site's editors. Under the
school console's prefix (``school-admin/``), whose own paths all start with a school id."""

from django.urls import path

from edu_portal.cms import school_views

urlpatterns = [
    path("school-admin/site-editors/", school_views.site_editors, name="school-site-editors"),
]
