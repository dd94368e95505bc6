"""Routes of the reader: the reader page and what it fetches under ``read/<id>/``
(namespace ``reader``), and the e-book library ``ebooks/``, named ``ebooks`` after the
navigation section it fills."""

from django.urls import include, path, re_path

from ebooks.reader import views

reader_patterns = [
    path("read/<int:pk>/", views.read, name="read"),
    re_path(r"^read/(?P<pk>[0-9]+)/book\.(?P<ext>epub|pdf|txt)$", views.book, name="book"),
    path("read/<int:pk>/cover", views.cover, name="cover"),
    path("read/<int:pk>/position", views.position, name="position"),
]

urlpatterns = [
    path("", include((reader_patterns, "reader"))),
    path("ebooks/", views.library, name="ebooks"),
]
