"""Actions on resources' processing: check, change, audit, enqueue after commit."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Resource
from catalog.policy import can_manage
from edu_portal.access import Visibility
from edu_portal.accounts.audit import log_event
from edu_portal.accounts.permissions import has_perm, is_bureau_admin
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.processing.tasks import enqueue

_UPLOAD_PATH = re.compile(
    r"/api/v1/uploads/(?P<id>[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})/?"
)
PROCESSED_KINDS = {Resource.Kind.VIDEO, Resource.Kind.AUDIO}


def _upload_error(message: str, code: str) -> ValidationError:
    return ValidationError({"upload": ValidationError(message, code=code)})


def upload_from_url(user, url: str) -> Upload:
    """The caller's complete upload named by its tus URL, or ValidationError saying why."""
    match = _UPLOAD_PATH.fullmatch(urlsplit(url or "").path)
    if not match:
        raise _upload_error(_("This is not the address of an upload."), "invalid_upload")
    upload = Upload.objects.filter(pk=match["id"], owner=user).first()
    if upload is None:
        # Someone else's upload is reported like a missing one: ids are not to be probed.
        raise _upload_error(_("No such upload of yours."), "upload_not_found")
    if not upload.is_complete:
        raise _upload_error(
            _("The upload has not finished yet; wait until it reaches 100%."), "upload_incomplete"
        )
    return upload


def can_see_processing(user, resource: Resource) -> bool:
    """Processing details are for those who manage the resource (uploader, administrators)."""
    return can_manage(user, resource)


def create_resource(
    user,
    *,
    title: str,
    kind: str,
    upload_url: str,
    description: str = "",
    visibility: str = Visibility.INTRANET,
    **metadata,
) -> Resource:
    """A resource from the user's finished tus upload (``catalog.actions.create_resource``
    does the work); the upload is freed once the resource is committed."""
    from catalog import actions as catalog_actions

    if not has_perm(user, "resource.upload"):
        raise PermissionDenied(_("Your account may not upload resources."))
    upload = upload_from_url(user, upload_url)
    with transaction.atomic():
        resource = catalog_actions.create_resource(
            user,
            upload=upload,
            title=title,
            kind=kind,
            description=description,
            visibility=visibility,
            **metadata,
        )
        # The file now lives at its content address; drop the upload only after commit,
        # so a failure here leaves the teacher's upload intact to try again.
        transaction.on_commit(lambda: _consume_upload(upload))
    return resource


def _consume_upload(upload: Upload) -> None:
    """The upload became a resource: free its object (the resource has its own copy)."""
    get_storage().delete(upload.key)
    Upload.objects.filter(pk=upload.pk).delete()


def retranscode(user, resource: Resource) -> ProcessingJob:
    """Make a new output set from the stored source; the current one serves until then."""
    if not is_bureau_admin(user):
        raise PermissionDenied(_("Only bureau administrators can re-run processing."))
    if not resource.source_key:
        raise ValidationError(_("This resource has no stored source to process."), code="no_source")
    with transaction.atomic():
        job = ProcessingJob.objects.create(resource=resource)
        log_event(resource, {"retranscode": [None, job.pk]})
        enqueue(job.pk)
    return job
