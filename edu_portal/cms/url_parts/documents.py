"""Paths of the portal: documents."""

from django.urls import path

from edu_portal.cms import documents

urlpatterns = [
    path(
        "documents/<int:document_id>/preview/",
        documents.document_preview,
        name="document-preview",
    ),
]
