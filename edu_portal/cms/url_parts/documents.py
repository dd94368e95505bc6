"""Paths of the portal: documents."""

urlpatterns: list = []
