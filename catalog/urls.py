"""Routes of the catalog: its JSON API under ``api/v1/``, the list pages ``resources/`` and
``videos/``, downloads and previews, and a resource's own page (namespace ``catalog``).

The list pages are named after the navigation sections they fill (``resources``,
``videos``): the site's navigation links to them and marks them current by those names.
"""

from django.urls import include, path

from catalog import authoring, favourites, files, views
from catalog.api import favourites as api_favourites
from catalog.api import taxonomy
from catalog.api import views as api_views

api_patterns = [
    path("resources/", api_views.ResourceList.as_view(), name="api-resources"),
    path("resources/<int:pk>/", api_views.ResourceDetail.as_view(), name="api-resource"),
    path(
        "resources/<int:pk>/review/",
        api_views.ResourceReview.as_view(),
        name="api-resource-review",
    ),
    path("favourites/", api_favourites.FavouriteList.as_view(), name="api-favourites"),
    path(
        "favourites/<int:resource_id>/",
        api_favourites.FavouriteDetail.as_view(),
        name="api-favourite",
    ),
    path("taxonomy/", taxonomy.TaxonomyView.as_view(), name="api-taxonomy"),
    path("taxonomy/nodes/", taxonomy.TextbookNodeList.as_view(), name="api-taxonomy-nodes"),
]

page_patterns = [
    path("resources/favourites/", favourites.page, name="favourites"),
    path("resources/<int:pk>/favourite/", favourites.toggle, name="favourite"),
    path("resources/<int:pk>/", views.detail, name="detail"),
    path("resources/mine/", authoring.mine, name="mine"),
    path("resources/<int:pk>/edit/", authoring.edit, name="edit"),
    path("resources/<int:pk>/replace/", authoring.replace_file, name="replace-file"),
]

urlpatterns = [
    path("api/v1/", include(api_patterns)),
    path("resources/<int:pk>/download/", files.download, name="resource-download"),
    path("resources/<int:pk>/preview.pdf", files.preview, name="resource-preview"),
    path("resources/<int:pk>/thumbnail", files.thumbnail, name="resource-thumbnail"),
    path("", include((page_patterns, "catalog"))),
    path("resources/", views.resource_list, name="resources"),
    path("videos/", views.videos, name="videos"),
]
