"""Who may fetch a portal document, its preview, and the portal's image files.

One rule for downloads (Wagtail's serve view, through the ``before_serve_document`` hook in
``admin_hooks/articles.py``) and previews: a document is public when it is attached to, or
linked from, a live page that has no view restriction; otherwise only people who can
work on it in the CMS may have it (they can edit a page that holds it, or Wagtail's
document permissions let them change it).

Previews: a PDF is shown as it is with the platform's pdf.js viewer; an Office file is
converted to PDF by the catalog's LibreOffice conversion (``catalog.previews.convert``) in
a Celery task, the PDF kept in the object store under ``cms/previews/`` and recorded in
:class:`DocumentPreview`. Until it is ready the page says so.
"""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from wagtail.documents import get_document_model
from wagtail.models import Page, ReferenceIndex

from edu_portal.access import AccessDenied
from edu_portal.cms.models import ArticleAttachment
from edu_portal.cms.models.articles import DocumentPreview
from edu_portal.storage import ObjectNotFound
from edu_portal.storage.serving import serve_stored

log = logging.getLogger(__name__)


# --- access ----------------------------------------------------------------------------------


def _pages_holding(document) -> list[Page]:
    """Pages whose saved (live) content attaches or links ``document``."""
    page_ids = set(
        ArticleAttachment.objects.filter(document=document).values_list("page_id", flat=True)
    )
    # Links in rich text (<a linktype="document">), as Wagtail's reference index records them
    # from the page rows (a draft's changes live in its revision, not in the index).
    page_type = ContentType.objects.get_for_model(Page)
    page_ids.update(
        int(ref.object_id)
        for ref in ReferenceIndex.get_references_to(document).filter(base_content_type=page_type)
        if str(ref.object_id).isdigit()
    )
    return list(Page.objects.filter(pk__in=page_ids))


def is_public(document) -> bool:
    pages = _pages_holding(document)
    public = Page.objects.filter(pk__in=[p.pk for p in pages]).live().public()
    return public.exists()


def can_work_on(user, document) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    from wagtail.documents.permissions import permission_policy

    if permission_policy.user_has_permission_for_instance(user, "change", document):
        return True
    return any(page.permissions_for_user(user).can_edit() for page in _pages_holding(document))


def may_fetch(request: HttpRequest, document) -> bool:
    return is_public(document) or can_work_on(request.user, document)


def refuse(request: HttpRequest) -> None:
    """Not published: signed-in people are told why (403); to the public the document does
    not exist (404), so that unpublished titles and file names do not leak."""
    if request.user.is_authenticated:
        raise AccessDenied(
            "cms_document_unpublished",
            _(
                "This document belongs to a page that is not published, and you cannot "
                "edit that page in the CMS."
            ),
            _("It can be downloaded once the page is published."),
        )
    raise Http404(_("No such published document."))


def check_fetch(request: HttpRequest, document) -> None:
    if not may_fetch(request, document):
        refuse(request)


# --- previews --------------------------------------------------------------------------------


def is_pdf(document) -> bool:
    return document.file_extension.lower() == "pdf"


def can_convert(document) -> bool:
    from catalog.previews.convert import OFFICE_EXTENSIONS

    return document.file_extension.lower() in OFFICE_EXTENSIONS


def current_preview(document) -> DocumentPreview | None:
    """The preview row for the document's present file (None: none asked for yet)."""
    preview = DocumentPreview.objects.filter(document=document).first()
    if preview is None or preview.source_hash != document.file_hash:
        return None
    return preview


def request_preview(document) -> DocumentPreview:
    """The current preview, or a PENDING one whose conversion is queued after commit. A
    FAILED preview stays failed (it would fail again) until the file changes."""
    preview = current_preview(document)
    if preview is not None:
        return preview
    with transaction.atomic():
        preview, _created = DocumentPreview.objects.select_for_update().get_or_create(
            document=document
        )
        if not _created and preview.source_hash == document.file_hash:
            return preview  # another request asked first
        preview.source_hash = document.file_hash
        preview.state = DocumentPreview.State.PENDING
        preview.key = ""
        preview.reason = ""
        preview.save()
    from edu_portal.cms.preview_tasks import build_document_preview

    transaction.on_commit(lambda: build_document_preview.delay(document.pk))
    return preview


# --- views -----------------------------------------------------------------------------------


def _document_or_404(document_id: int):
    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None:
        raise Http404(_("No such document."))
    return document


@require_safe
def document_preview(request: HttpRequest, document_id: int) -> HttpResponse:
    """The preview page: the PDF in the viewer, or "being prepared", or why there is none."""
    document = _document_or_404(document_id)
    check_fetch(request, document)
    state, reason = "none", ""
    if is_pdf(document):
        state = "ready"
    elif can_convert(document):
        preview = request_preview(document)
        state, reason = preview.state, preview.reason
    context = {
        "document": document,
        "state": state,
        "reason": reason,
        "pdf_url": reverse("cms:document-preview-pdf", args=[document.pk]),
        "download_url": document.url,
    }
    response = render(request, "cms/document_preview.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def document_preview_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF the viewer loads: the document itself, or its converted preview."""
    document = _document_or_404(document_id)
    check_fetch(request, document)
    if is_pdf(document):
        key = default_key(document)
    else:
        preview = current_preview(document)
        if preview is None or preview.state != DocumentPreview.State.READY:
            raise Http404(_("The preview is not ready yet."))
        key = preview.key
    try:
        return serve_stored(request, key, cache_control="private, max-age=300")
    except ObjectNotFound:
        raise Http404(_("The preview is missing.")) from None


def default_key(document) -> str:
    """The object key of a document's file in the object store."""
    from django.core.files.storage import default_storage

    return default_storage.key_for(document.file.name)


@require_safe
def stored_image(request: HttpRequest, name: str) -> HttpResponse:
    """A Wagtail image file: renditions (``images/``) to everyone, originals only to people
    who use the CMS (pages show renditions)."""
    from django.core.files.storage import default_storage

    if name.startswith("original_images/"):
        if not request.user.is_authenticated or not request.user.has_perm(
            "wagtailadmin.access_admin"
        ):
            raise Http404(_("No such image."))
        cache_control = "private, max-age=3600"
    elif name.startswith("images/"):
        # A rendition's name carries its filter and the original's, so it never changes.
        cache_control = "public, max-age=86400"
    else:
        raise Http404(_("No such image."))
    try:
        key = default_storage.key_for(name)
    except SuspiciousFileOperation:
        raise Http404(_("No such image.")) from None
    return serve_stored(request, key, cache_control=cache_control)
