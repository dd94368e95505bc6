"""Actions on resources' processing: check, change, audit, enqueue after commit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Resource
from catalog.policy import can_manage
from edu_portal.accounts.audit import log_event
from edu_portal.accounts.permissions import is_bureau_admin
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.processing.tasks import enqueue


def can_see_processing(user, resource: Resource) -> bool:
    """Processing details are for those who manage the resource (uploader, administrators)."""
    return can_manage(user, resource)


def start(resource: Resource) -> ProcessingJob:
    """A first job for a new video or audio resource, sent to the media queue on commit."""
    job = ProcessingJob.objects.create(resource=resource)
    enqueue(job.pk)
    return job


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
