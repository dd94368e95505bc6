"""Routes of the uploads feature: the tus endpoints under ``api/v1/uploads/`` (namespace
``uploads``) and the teachers' upload page ``upload/`` (URL name ``upload``).

Upload URLs have no trailing slash: tus clients use the Location header verbatim.
"""

from django.urls import include, path

from media_pipeline.uploads import views

tus_patterns = [
    path("", views.UploadCollectionView.as_view(), name="collection"),
    path("<uuid:pk>", views.UploadDetailView.as_view(), name="detail"),
]

urlpatterns = [
    path("api/v1/uploads/", include((tus_patterns, "uploads"))),
    path("upload/", views.upload_page, name="upload"),
]
