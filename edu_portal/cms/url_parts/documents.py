"""Paths of the portal: documents (previews) and image files. Mounted before Wagtail's
``documents/`` serve pattern, which would otherwise take ``documents/<id>/preview/``."""

from django.urls import path

from edu_portal.cms import documents

urlpatterns = [
    path(
        "documents/<int:document_id>/preview/",
        documents.document_preview,
        name="document-preview",
    ),
    path(
        "documents/<int:document_id>/preview.pdf",
        documents.document_preview_pdf,
        name="document-preview-pdf",
    ),
    path("media/cms/<path:name>", documents.stored_image, name="stored-image"),
]
