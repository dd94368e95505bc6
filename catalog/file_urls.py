from django.urls import path

from catalog import files

urlpatterns = [
    path("resources/<int:pk>/download/", files.download, name="resource-download"),
    path("resources/<int:pk>/preview.pdf", files.preview, name="resource-preview"),
]
