from django.urls import path

from edu_portal.storage import views

app_name = "storage"

urlpatterns = [
    # Signed links to stored objects (filesystem store; S3 links go to the store itself).
    path("objects/<path:key>", views.serve_object, name="object"),
]
