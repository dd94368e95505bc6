from django.urls import path

from edu_portal.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("resources/", views.section, {"url_name": "resources"}, name="resources"),
    path("videos/", views.section, {"url_name": "videos"}, name="videos"),
    path("ebooks/", views.section, {"url_name": "ebooks"}, name="ebooks"),
    path("disclosure/", views.section, {"url_name": "disclosure"}, name="disclosure"),
    path("notices/", views.section, {"url_name": "notices"}, name="notices"),
]
