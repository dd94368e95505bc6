"""Routes of the OPDS catalog; mounted by the project at ``opds/``."""

from django.urls import path

from ebooks.opds import views

app_name = "opds"

urlpatterns = [
    path("", views.root, name="root"),
    path("new/", views.new, name="new"),
    path("subjects/", views.subjects, name="subjects"),
    path("subjects/<slug:code>/", views.subject, name="subject"),
    path("grades/", views.grades, name="grades"),
    path("grades/<int:number>/", views.grade, name="grade"),
    path("collections/", views.collections, name="collections"),
    path("collections/<slug:slug>/", views.collection, name="collection"),
    path("opensearch.xml", views.opensearch, name="opensearch"),
    path("search/", views.search_feed, name="search"),
    path("covers/<int:pk>.jpg", views.cover, name="cover"),
    path("thumbnails/<int:pk>.jpg", views.thumbnail, name="thumbnail"),
    path("books/<int:pk>.<str:extension>", views.book, name="book"),
    path("token/", views.token_page, name="token"),
]
