"""The watch page, included into the ``streaming`` namespace by streaming/urls.py."""

from django.urls import path

from media_pipeline.streaming import page

urlpatterns = [
    path("watch/<int:pk>/", page.watch, name="watch"),
]
