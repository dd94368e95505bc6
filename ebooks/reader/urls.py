from django.urls import path, re_path

from ebooks.reader import views

app_name = "reader"

urlpatterns = [
    path("read/<int:pk>/", views.read, name="read"),
    re_path(r"^read/(?P<pk>[0-9]+)/book\.(?P<ext>epub|pdf|txt)$", views.book, name="book"),
    path("read/<int:pk>/cover", views.cover, name="cover"),
    path("read/<int:pk>/position", views.position, name="position"),
]
