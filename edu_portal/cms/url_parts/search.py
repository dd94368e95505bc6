"""Paths of the portal: search."""

urlpatterns: list = []
