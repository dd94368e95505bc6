"""Routes of the streaming feature, all in the ``streaming`` namespace: HLS playlists and
segments with their token check, downloads of renditions, resume positions, statistics
beacons, the statistics API and the watch page.
"""

from django.urls import path

from media_pipeline.streaming import page, stats_views, views

app_name = "streaming"

urlpatterns = [
    path("stream/auth", views.auth, name="auth"),
    path("stream/<int:pk>/master.m3u8", views.master, name="master"),
    path("stream/<int:pk>/status", views.status, name="status"),
    path("stream/<int:pk>/download/<str:variant>", views.download, name="download"),
    path("stream/<int:pk>/position", stats_views.position, name="position"),
    path("stream/<int:pk>/beacon", stats_views.beacon, name="beacon"),
    path(
        "api/v1/resources/<int:pk>/stats/",
        stats_views.ResourceStats.as_view(),
        name="resource-stats",
    ),
    path("stream/<int:pk>/<int:output>/<path:name>", views.part, name="part"),
    path("watch/<int:pk>/", page.watch, name="watch"),
]
