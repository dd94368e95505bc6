"""Finished tus uploads as the source of a new catalog resource (``catalog.sources``).

``POST /api/v1/resources/`` names the upload by its tus URL; this resolver checks that it
is the caller's own finished upload and frees it once the resource has its own copy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.urls import Resolver404
from django.urls import resolve as resolve_path
from django.utils.translation import gettext as _

from catalog.sources import StoredSource
from edu_portal.storage import get_storage
from media_pipeline.models import Upload


def _upload_id(url: str):
    """The upload id in a tus upload URL (the route ``uploads:detail``), else None."""
    try:
        match = resolve_path(urlsplit(url or "").path.rstrip("/"))
    except Resolver404:
        return None
    return match.kwargs.get("pk") if match.view_name == "uploads:detail" else None


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"upload": ValidationError(message, code=code)})


def upload_from_url(user, url: str) -> Upload | None:
    """The caller's complete upload named by its tus URL; None if the URL is not a tus
    upload's; ValidationError saying why when it is one but cannot be used."""
    upload_id = _upload_id(url)
    if upload_id is None:
        return None
    upload = Upload.objects.filter(pk=upload_id, owner=user).first()
    if upload is None:
        # Someone else's upload is reported like a missing one: ids are not to be probed.
        raise _error(_("No such upload of yours."), "upload_not_found")
    if upload.status == Upload.Status.EXPIRED:
        raise _error(
            _(
                "This upload has been removed because it was not finished or not used in "
                "time. Please upload the file again."
            ),
            "upload_expired",
        )
    if not upload.is_complete:
        raise _error(
            _("The upload has not finished yet; wait until it reaches 100%."), "upload_incomplete"
        )
    return upload


def _consume(upload: Upload) -> None:
    """The upload became a resource: free its object (the resource has its own copy)."""
    get_storage().delete(upload.key)
    Upload.objects.filter(pk=upload.pk).delete()


def resolve(user, url: str) -> StoredSource | None:
    upload = upload_from_url(user, url)
    if upload is None:
        return None
    return StoredSource(
        key=upload.key,
        sha256=upload.sha256,
        size=upload.length,
        content_type=upload.filetype,
        filename=upload.filename or "",
        release=lambda: _consume(upload),
    )
