from django.urls import include, path

from media_pipeline.streaming import page_urls, views

app_name = "streaming"

urlpatterns = [
    path("stream/auth", views.auth, name="auth"),
    path("stream/<int:pk>/master.m3u8", views.master, name="master"),
    path("stream/<int:pk>/status", views.status, name="status"),
    path("stream/<int:pk>/download/<str:variant>", views.download, name="download"),
    path("", include("media_pipeline.streaming.stats_urls")),
    path("stream/<int:pk>/<int:output>/<path:name>", views.part, name="part"),
    *page_urls.urlpatterns,
]
