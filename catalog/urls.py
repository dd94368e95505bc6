"""The catalog's pages. ``/resources/`` and ``/videos/`` themselves are routed by the portal
(edu_portal/portal/urls.py) under the section names the navigation uses."""

from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("resources/<int:pk>/", views.detail, name="detail"),
]
