"""The site shell's named entry points. The home page and 政务公开 are pages of the portal's
Wagtail tree (edu_portal.cms); these names keep ``{% url 'home' %}`` and
``{% url 'disclosure' %}`` working for every template, and give the context processor the
current section. Feature apps route their section pages themselves under the section's URL
name."""

from django.urls import path
from wagtail import views as wagtail_views

urlpatterns = [
    path("", wagtail_views.serve, {"path": ""}, name="home"),
    path("disclosure/", wagtail_views.serve, {"path": "disclosure/"}, name="disclosure"),
]
