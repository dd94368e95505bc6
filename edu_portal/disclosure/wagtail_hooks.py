"""Wagtail hooks of disclosure (discovered by Wagtail from every installed app)."""

from wagtail import hooks

from edu_portal.disclosure.annual_page import serve_report

hooks.register("before_serve_page", serve_report)
