"""The upload page for teachers, included at /upload/."""

from django.urls import path

from media_pipeline.uploads import views

urlpatterns = [
    path("", views.upload_page, name="upload"),
]
