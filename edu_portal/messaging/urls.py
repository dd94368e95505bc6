"""Routes of home-school notices (namespace ``messaging``): full paths from the root, since
the pages live under ``notices/`` (senders and the guardian's inbox), the short signed
links under ``n/`` and the API under ``api/v1/``. Each helper module adds its own list."""

from django.urls import path  # noqa: F401

app_name = "messaging"

urlpatterns: list = []

# The notices API for senders (M1): create, edit, send, withdraw, remind, report.
from edu_portal.messaging import api_notices  # noqa: E402

urlpatterns += api_notices.urlpatterns
