"""Actions on catalog resources: check, change, audit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Resource
from edu_portal.accounts.audit import log_event
from edu_portal.accounts.permissions import is_bureau_admin


def can_manage(user, resource: Resource) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (resource.uploader_id == user.pk or is_bureau_admin(user))
    )


def delete_resource(user, resource: Resource) -> Resource:
    """Take the resource down. Soft: links then say "removed" (410) instead of "not
    found", and an administrator can restore it; the stored files are kept."""
    if not can_manage(user, resource):
        raise PermissionDenied(_("Only the uploader or an administrator can delete this."))
    if resource.deleted_at is None:
        resource.deleted_at = timezone.now()
        resource.save(update_fields=["deleted_at", "updated_at"])
        log_event(resource, {"deleted": [None, resource.deleted_at.isoformat()]})
    return resource


def restore_resource(user, resource: Resource) -> Resource:
    if not is_bureau_admin(user):
        raise PermissionDenied(_("Only bureau administrators can restore deleted resources."))
    if resource.deleted_at is not None:
        log_event(resource, {"deleted": [resource.deleted_at.isoformat(), None]})
        resource.deleted_at = None
        resource.save(update_fields=["deleted_at", "updated_at"])
    return resource
