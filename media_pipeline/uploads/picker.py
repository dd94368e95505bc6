"""The file picker the catalog's edit page shows to replace a resource's file
(``catalog.sources.register_picker``): the same resumable (tus) upload as the upload page,
with its checks of type, size and quota, then a plain form POST of the finished upload's
address to the catalog, which swaps the file (``catalog.actions.replace_file``)."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import filetypes, sources
from edu_portal.accounts.permissions import has_perm
from media_pipeline.uploads import actions
from media_pipeline.uploads.views import PAGE_CHUNK_SIZE

TEMPLATE = "media_pipeline/_replace_file.html"


def _text() -> dict[str, str]:
    """The sentences of upload-transfer.js, translated here (nothing untranslated in JS)."""
    return {
        "chooseFile": _("Please choose a file first."),
        "emptyFile": _("This file is empty. Please choose another file."),
        "tooLarge": _("This file is %(size)s; files can be at most %(limit)s.")
        % {"size": "{size}", "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
        "starting": _("Starting the upload…"),
        "resuming": _("Continuing an earlier upload of this file…"),
        "progress": _("{done} of {total} sent ({percent}%)"),
        "paused": _("Paused. Press “Resume” to continue from where it stopped."),
        "done": _("File sent. Replacing the resource's file…"),
        "retrying": _("The connection was interrupted; trying again…"),
        "signedOut": _("You have been signed out. Please sign in again and resume the upload."),
        "gone": _("This upload no longer exists on the server. Please start it again."),
        "serverError": _("The server could not take the file right now. Please try again later."),
        "network": _(
            "The connection to the server was lost. Check your network, then press “Resume”."
        ),
        "leave": _("An upload is in progress. Leave this page anyway?"),
    }


def replace_picker(request) -> sources.Picker | None:
    if not has_perm(request.user, actions.PERMISSION):
        return None
    allowed = settings.UPLOAD_ALLOWED_TYPES
    extensions = sorted(
        f".{ext}"
        for ext, mime in filetypes.EXTENSIONS.items()
        if filetypes.is_allowed(mime, allowed)
    )
    return sources.Picker(
        template=TEMPLATE,
        context={
            "endpoint": reverse("uploads:collection"),
            "chunk_size": PAGE_CHUNK_SIZE,
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "max_size_label": filesizeformat(settings.UPLOAD_MAX_BYTES),
            "accept": ",".join(extensions),
            "ui_text": _text(),
        },
        styles=("media_pipeline/upload.css",),
        # tus-js-client's UMD build is a classic script (window.tus), as on the upload page.
        scripts=("vendor/tus-js-client/tus.min.js",),
        modules=("media_pipeline/replace-file.js",),
    )


def register() -> None:
    sources.register_picker(replace_picker)
