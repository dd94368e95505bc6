"""Paths of the portal: site conventions (robots.txt, sitemap.xml, Atom feeds)."""

from django.urls import path
from wagtail.contrib.sitemaps.views import sitemap

from edu_portal.cms import feeds, site_views

urlpatterns = [
    path("robots.txt", site_views.robots_txt, name="robots-txt"),
    # Every live, public page of the request's site with its last publication.
    path("sitemap.xml", sitemap, name="sitemap-xml"),
    path("feeds/<int:column_id>/", feeds.ColumnFeed(), name="column-feed"),
]
