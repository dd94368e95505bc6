"""Wagtail hooks of disclosure (discovered by Wagtail from every installed app)."""

from wagtail import hooks

from edu_portal.disclosure.annual_page import serve_hook

# Order 200: inside the page cache (100) and the integrity ledger's check (150); see
# annual_page's docstring.
hooks.register("on_serve_page", serve_hook, order=200)
