"""The site shell's own pages: the home page and the sections that have no feature app
yet. Feature apps route their section pages themselves under the section's URL name."""

from django.urls import path

from edu_portal.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("disclosure/", views.section, {"url_name": "disclosure"}, name="disclosure"),
]
