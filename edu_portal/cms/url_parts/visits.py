"""The page-visit beacon (edu_portal.cms.page_cache.count_visit, posted by cms/visit.js)."""

from django.urls import path

from edu_portal.cms import page_cache

urlpatterns = [
    path("cms-visit/<int:page_id>/", page_cache.count_visit, name="page-visit"),
]
