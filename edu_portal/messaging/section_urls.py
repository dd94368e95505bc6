"""The 通知 section's page under its navigation URL name ``notices`` (never namespaced:
the navigation and the page's section header find it by that name). Included before the
``messaging`` namespace, so /notices/ resolves to this name; ``messaging:inbox`` reverses
to the same path and view."""

from django.urls import path

from edu_portal.messaging import inbox

urlpatterns = [path("notices/", inbox.notices, name="notices")]
