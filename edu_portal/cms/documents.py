"""Who may fetch a portal document, and its preview page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.documents import get_document_model


def document_preview(request: HttpRequest, document_id: int) -> HttpResponse:
    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    return render(request, "cms/document_preview.html", {"document": document})
