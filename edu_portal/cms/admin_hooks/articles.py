"""Wagtail admin hooks for articles: who may download a document, and the "new article
from a Word document" view with its button on columns."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from edu_portal.cms import documents, docx_admin


@hooks.register("before_serve_document")
def check_document_access(document, request):
    # Raises a clear 403 (signed in) or 404 (public) unless the document may be fetched.
    documents.check_fetch(request, document)


@hooks.register("register_admin_urls")
def docx_import_urls():
    return [
        path("docx/<int:parent_page_id>/", docx_admin.docx_import, name="cms_docx_import"),
    ]


def _docx_button(page, user, priority: int):
    from edu_portal.cms.models import ColumnPage

    if page.specific_class is ColumnPage and page.permissions_for_user(user).can_add_subpage():
        return Button(
            _("New from a Word document"),
            reverse("cms_docx_import", args=[page.pk]),
            icon_name="doc-full",
            priority=priority,
        )
    return None


@hooks.register("register_page_header_buttons")
def docx_header_button(page, user, view_name=None, next_url=None):
    button = _docx_button(page, user, priority=16)
    if button:
        yield button


@hooks.register("register_page_listing_more_buttons")
def docx_listing_button(page, user, next_url=None):
    button = _docx_button(page, user, priority=16)
    if button:
        yield button
