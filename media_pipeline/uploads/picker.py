"""The file picker the catalog's edit page shows to replace a resource's file
(``catalog.sources.register_picker``): the same resumable (tus) upload as the upload page,
with its checks of type, size and quota, then a plain form POST of the finished upload's
address to the catalog, which swaps the file (``catalog.actions.replace_file``)."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import sources
from edu_portal.accounts.permissions import has_perm
from media_pipeline.uploads import actions
from media_pipeline.uploads.views import PAGE_CHUNK_SIZE, allowed_extensions, transfer_text

TEMPLATE = "media_pipeline/_replace_file.html"


def replace_picker(request) -> sources.Picker | None:
    if not has_perm(request.user, actions.PERMISSION):
        return None
    return sources.Picker(
        template=TEMPLATE,
        context={
            "endpoint": reverse("uploads:collection"),
            "chunk_size": PAGE_CHUNK_SIZE,
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "max_size_label": filesizeformat(settings.UPLOAD_MAX_BYTES),
            "accept": ",".join(allowed_extensions()),
            "ui_text": transfer_text(_("File sent. Replacing the resource's file…")),
        },
        styles=("media_pipeline/upload.css",),
        # tus-js-client's UMD build is a classic script (window.tus), as on the upload page.
        scripts=("vendor/tus-js-client/tus.min.js",),
        modules=("media_pipeline/replace-file.js",),
    )


def register() -> None:
    sources.register_picker(replace_picker)
