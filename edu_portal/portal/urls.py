from django.urls import path

from catalog import views as catalog_views
from ebooks.reader import views as reader_views
from edu_portal.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("resources/", catalog_views.resource_list, name="resources"),
    path("videos/", catalog_views.videos, name="videos"),
    path("ebooks/", reader_views.library, name="ebooks"),
    path("disclosure/", views.section, {"url_name": "disclosure"}, name="disclosure"),
    path("notices/", views.section, {"url_name": "notices"}, name="notices"),
]
