"""Paths of the portal: site."""

urlpatterns: list = []
