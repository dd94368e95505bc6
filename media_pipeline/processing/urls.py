"""Routes of the processing feature: its two API endpoints beside the resource API."""

from django.urls import path

from media_pipeline.processing import api

urlpatterns = [
    path(
        "api/v1/resources/<int:pk>/processing/",
        api.ResourceProcessing.as_view(),
        name="api-resource-processing",
    ),
    path(
        "api/v1/resources/<int:pk>/retranscode/",
        api.ResourceRetranscode.as_view(),
        name="api-resource-retranscode",
    ),
]
