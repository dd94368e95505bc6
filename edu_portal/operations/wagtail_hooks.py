"""Wagtail hooks of the operations app: published pages are checked against the integrity
ledger when served (``ledger.serving``). Order 150: inside Wagtail's view-restriction
check (0) and the portal's page cache (100), so a cached page is not checked again and a
replaced one is not cached."""

from wagtail import hooks

from edu_portal.operations.ledger import serving

hooks.register("on_serve_page", serving.serve_hook, order=150)
