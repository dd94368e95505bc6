"""tus endpoints, included at /api/v1/uploads/. Upload URLs have no trailing slash: tus
clients use the Location header verbatim."""

from django.urls import path

from media_pipeline.uploads import views

app_name = "uploads"

urlpatterns = [
    path("", views.UploadCollectionView.as_view(), name="collection"),
    path("<uuid:pk>", views.UploadDetailView.as_view(), name="detail"),
]
