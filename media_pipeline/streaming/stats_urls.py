"""Resume positions, statistics beacons and the statistics API.

No ``app_name`` here: these patterns are included inside the ``streaming`` namespace
(``streaming:position``, ``streaming:beacon``, ``streaming:resource-stats``).
"""

from django.urls import path

from media_pipeline.streaming import stats_views

urlpatterns = [
    path("stream/<int:pk>/position", stats_views.position, name="position"),
    path("stream/<int:pk>/beacon", stats_views.beacon, name="beacon"),
    path(
        "api/v1/resources/<int:pk>/stats/",
        stats_views.ResourceStats.as_view(),
        name="resource-stats",
    ),
]
