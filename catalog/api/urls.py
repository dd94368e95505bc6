from django.urls import path

from catalog.api import taxonomy, views

urlpatterns = [
    path("resources/", views.ResourceList.as_view(), name="api-resources"),
    path("resources/<int:pk>/", views.ResourceDetail.as_view(), name="api-resource"),
    path("resources/<int:pk>/review/", views.ResourceReview.as_view(), name="api-resource-review"),
    path("taxonomy/", taxonomy.TaxonomyView.as_view(), name="api-taxonomy"),
    path("taxonomy/nodes/", taxonomy.TextbookNodeList.as_view(), name="api-taxonomy-nodes"),
    path(
        "resources/<int:pk>/processing/",
        views.ResourceProcessing.as_view(),
        name="api-resource-processing",
    ),
    path(
        "resources/<int:pk>/retranscode/",
        views.ResourceRetranscode.as_view(),
        name="api-resource-retranscode",
    ),
]
