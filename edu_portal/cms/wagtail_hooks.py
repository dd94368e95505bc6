"""Wagtail loads this module from every installed app; the portal's hooks live in
``admin_hooks/`` by concern, so that each stays small."""

from edu_portal.cms.admin_hooks import articles, reports, rights, structure  # noqa: F401
