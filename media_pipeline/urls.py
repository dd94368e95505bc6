from django.urls import path

from media_pipeline import views

app_name = "media_pipeline"

urlpatterns = [
    # Signed links to stored objects (filesystem store; S3 links go to the store itself).
    path("objects/<path:key>", views.serve_object, name="object"),
]
