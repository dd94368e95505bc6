"""Routes of home-school notices (namespace ``messaging``): full paths from the root, since
the pages live under ``notices/`` (senders and the guardian's inbox), the short signed
links under ``n/`` and the API under ``api/v1/``. Each helper module adds its own list."""

from django.urls import path  # noqa: F401

app_name = "messaging"

urlpatterns: list = []
