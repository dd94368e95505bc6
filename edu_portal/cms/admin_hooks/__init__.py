"""Wagtail admin hooks of the portal, one module per concern (loaded by ../wagtail_hooks.py)."""
