"""Paths of the portal: search (the page and its API)."""

from django.urls import path

from edu_portal.cms.search import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("api/v1/search/", views.SearchAPI.as_view(), name="api-search"),
]
