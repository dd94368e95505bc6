"""Actions on catalog resources: check, change, audit, and queue work after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from catalog import counters, kinds, policy
from catalog.blobs import blob_from_object
from catalog.models import Blob, Resource, ResourceFile, ResourceText, Tag
from catalog.sources import StoredSource
from catalog.taxonomy import stage_of_grade
from edu_portal.access import Visibility
from edu_portal.accounts.audit import log_event
from edu_portal.accounts.permissions import has_perm, is_bureau_admin
from edu_portal.workflow import transitions
from edu_portal.workflow.models import State

log = logging.getLogger(__name__)

MEDIA_KINDS = {Resource.Kind.VIDEO, Resource.Kind.AUDIO}
MAX_TAGS = 20
# Enough for a paragraph or two of explanation; longer texts belong in the file itself.
MAX_DESCRIPTION = 5000
# Metadata a teacher may set when creating or editing a resource.
EDITABLE = (
    "title",
    "description",
    "kind",
    "visibility",
    "stage",
    "grade",
    "subject",
    "edition",
    "textbook_node",
    "collection",
    "licence",
)


# --- metadata --------------------------------------------------------------------------------


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def clean_taxonomy(fields: dict) -> dict:
    """Make stage, grade, subject and edition agree with each other and with the unit or
    lesson chosen; fill what the node implies."""
    node = fields.get("textbook_node")
    if node is not None:
        fields.setdefault("grade", node.grade)
        fields.setdefault("subject", node.subject)
        fields.setdefault("edition", node.edition)
        for name in ("grade", "subject", "edition"):
            given = fields.get(name)
            if given is not None and given != getattr(node, name):
                raise _field_error(
                    name,
                    _("This does not match the textbook unit or lesson chosen."),
                    "taxonomy_mismatch",
                )
    grade = fields.get("grade")
    if grade is not None:
        implied = stage_of_grade(grade)
        if fields.get("stage") and fields["stage"] != implied:
            raise _field_error(
                "grade", _("This grade does not belong to the stage chosen."), "grade_stage"
            )
        fields["stage"] = implied
    subject = fields.get("subject")
    if subject is not None and fields.get("stage") and not subject.taught_in(fields["stage"]):
        raise _field_error(
            "subject", _("This subject is not taught at the stage chosen."), "subject_stage"
        )
    return fields


def _check_kind(kind: str, content_type: str) -> None:
    media = content_type.startswith(("video/", "audio/"))
    if kind in MEDIA_KINDS and not media:
        raise _field_error(
            "kind",
            _("Only video or audio files can be published as a video or audio resource."),
            "kind_mismatch",
        )
    if kind not in MEDIA_KINDS and media:
        raise _field_error(
            "kind",
            _("This is a video or audio file: choose the kind “Video” or “Audio”."),
            "kind_mismatch",
        )


def _check_description(text: str) -> None:
    if len(text or "") > MAX_DESCRIPTION:
        raise _field_error(
            "description",
            _("The description may be at most %(count)d characters long.")
            % {"count": MAX_DESCRIPTION},
            "too_long",
        )


def set_tags(resource: Resource, names: Iterable[str]) -> None:
    cleaned = []
    for name in names:
        name = " ".join(str(name).split())[:40]
        if name and name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise _field_error(
            "tags", _("At most %(count)d tags, please.") % {"count": MAX_TAGS}, "too_many_tags"
        )
    tags = []
    for name in cleaned:
        try:
            with transaction.atomic():
                tag, _created = Tag.objects.get_or_create(name=name)
        except IntegrityError:
            tag = Tag.objects.get(name=name)
        tags.append(tag)
    resource.tags.set(tags)


# --- create, edit, delete --------------------------------------------------------------------


def create_from_blob(
    blob: Blob,
    *,
    owner,
    title: str,
    kind: str,
    filename: str,
    description: str = "",
    visibility: str = Visibility.INTRANET,
    state: str = State.DRAFT,
    tags: Iterable[str | Tag] = (),
    audit: dict | None = None,
    process: bool = True,
    **fields,
) -> Resource:
    """The one way a resource is made from a stored file (uploads, bulk import, e-book
    ingest, the demo): the row, its original file, tags and an audit entry, then the
    kind's follow-up work (``catalog.kinds``) unless ``process`` is False because the
    caller has done it. Taxonomy ``fields`` must be cleaned already (``clean_taxonomy``).
    Search indexing follows from the saved rows (``catalog.search.signals``).
    """
    initial = kinds.handler_for(kind).initial_fields(kind) if process else {}
    if state == State.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    # Joins the caller's transaction (the importer's per-file savepoint) or makes one.
    with transaction.atomic(savepoint=False):
        resource = Resource.objects.create(
            title=title,
            description=description,
            kind=kind,
            visibility=visibility,
            uploader=owner,
            org_unit=getattr(owner, "org_unit", None),
            source_key=blob.key,
            source_size=blob.size,
            source_sha256=blob.sha256,
            source_filename=filename[:255],
            state=state,
            **{**initial, **fields},
        )
        ResourceFile.objects.create(
            resource=resource,
            blob=blob,
            role=ResourceFile.Role.ORIGINAL,
            filename=filename or title,
        )
        tags = list(tags)
        if tags and all(isinstance(tag, Tag) for tag in tags):
            # Rows the caller made once for many files (the bulk importer's cache).
            Resource.tags.through.objects.bulk_create(
                [Resource.tags.through(resource=resource, tag=tag) for tag in tags]
            )
        elif tags:
            set_tags(resource, tags)
        log_event(resource, audit or {"created": [None, blob.key]})
        if process:
            kinds.after_create(resource)
    return resource


def require_may_upload(user) -> None:
    if not has_perm(user, "resource.upload"):
        raise PermissionDenied(_("Your account may not upload resources."))


def create_resource(
    user,
    *,
    source: StoredSource,
    title: str,
    kind: str,
    description: str = "",
    visibility: str = Visibility.INTRANET,
    tags: Iterable[str] = (),
    submit: bool = False,
    **metadata,
) -> Resource:
    """A new draft resource from a user's finished upload (``catalog.sources``).

    The file becomes a Blob (shared with identical files); the kind's follow-up work is
    queued; ``submit`` sends it to review at once. The upload is released only after
    commit, so a failure here leaves it intact to try again.
    """
    require_may_upload(user)
    _check_kind(kind, source.content_type or "")
    _check_description(description)
    fields = clean_taxonomy({k: v for k, v in metadata.items() if k in EDITABLE})
    with transaction.atomic():
        blob = blob_from_object(
            source.key, sha256=source.sha256, size=source.size, content_type=source.content_type
        )
        resource = create_from_blob(
            blob,
            owner=user,
            title=title,
            kind=kind,
            filename=source.filename,
            description=description,
            visibility=visibility,
            tags=tags,
            **fields,
        )
        if submit:
            transitions.submit(user, resource)
        transaction.on_commit(source.release)
    return resource


# States in which the uploader may edit: nothing of it is public or being reviewed.
OWNER_EDITABLE_STATES = (State.DRAFT, State.CHANGES_REQUESTED, State.WITHDRAWN)


def _audit_value(value):
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk} {value}"
    return value


def update_resource(user, resource: Resource, *, tags: Iterable[str] | None = None, **changes):
    """Change metadata, audited with before and after values.

    What is published (or in review) changes only through review: its uploader is told to
    withdraw it first (it then goes through review again, where a reviewer sees a wider
    visibility or another collection); a reviewer who may publish it edits it directly,
    and that edit is the review. A kind change must still fit the stored file.
    """
    if not policy.can_manage(user, resource):
        raise PermissionDenied(_("Only the uploader or an administrator can change this."))
    if resource.state not in OWNER_EDITABLE_STATES and not policy.can_publish(user, resource):
        raise ValidationError(
            _(
                "“%(title)s” is “%(state)s”, so changes must go through review. Withdraw "
                "it first (it becomes a draft again), edit it, then submit it for review."
            )
            % {"title": resource.title, "state": resource.get_state_display()},
            code="needs_review",
        )
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    _check_description(changes.get("description", ""))
    if "kind" in changes and changes["kind"] != resource.kind:
        original = resource.files.filter(role=ResourceFile.Role.ORIGINAL).first()
        _check_kind(changes["kind"], original.blob.content_type if original else "")
    taxonomy = {
        name: changes.get(name, getattr(resource, name))
        for name in ("stage", "grade", "subject", "edition", "textbook_node")
    }
    if "grade" in changes and "stage" not in changes:
        taxonomy["stage"] = ""
    changes.update(clean_taxonomy({k: v for k, v in taxonomy.items() if v not in (None, "")}))
    with transaction.atomic():
        before = {name: _audit_value(getattr(resource, name)) for name in changes}
        old_tags = sorted(resource.tags.values_list("name", flat=True))
        for name, value in changes.items():
            setattr(resource, name, value)
        resource.full_clean(exclude=["uploader", "org_unit", "tags"])
        resource.save()
        diff = {
            name: [before[name], _audit_value(getattr(resource, name))]
            for name in changes
            if before[name] != _audit_value(getattr(resource, name))
        }
        if tags is not None:
            set_tags(resource, tags)
            new_tags = sorted(resource.tags.values_list("name", flat=True))
            if new_tags != old_tags:
                diff["tags"] = [old_tags, new_tags]
        if diff:
            log_event(resource, diff)
    return resource


# --- replace the file ------------------------------------------------------------------------

# Fields made from the original file; a new original makes them stale.
DERIVED_FIELDS = {
    "output_prefix": "",
    "poster_key": "",
    "mp4_key": "",
    "duration": None,
    "preview_state": Resource.Preview.NONE,
}
EBOOK_TYPES = frozenset({"application/epub+zip", "application/pdf", "text/plain"})


def _check_replacement(resource: Resource, content_type: str) -> None:
    """The new file must be of the resource's kind: a video stays a video, a document a
    document. Changing the kind silently would change what readers get behind the same
    link, so a file of another kind is refused with what to do instead."""
    family = (content_type or "").split("/")[0]
    kind = resource.kind
    if kind == Resource.Kind.VIDEO:
        fits = family == "video"
    elif kind == Resource.Kind.AUDIO:
        fits = family in ("audio", "video")  # a recording kept as sound only
    elif kind == Resource.Kind.IMAGE:
        fits = family == "image"
    elif kind == Resource.Kind.EBOOK:
        fits = content_type.split(";")[0].strip() in EBOOK_TYPES
    else:
        fits = family not in ("video", "audio")
    if not fits:
        raise _field_error(
            "upload",
            _(
                "This file does not fit a resource of the kind “%(kind)s”. Choose a file of "
                "the same kind, or upload the new file as a resource of its own."
            )
            % {"kind": resource.get_kind_display()},
            "kind_mismatch",
        )


def require_replaceable(user, resource: Resource) -> None:
    """Whether ``user`` may give ``resource`` a new file now (raises saying why not)."""
    if resource.is_deleted or not policy.can_manage(user, resource):
        raise PermissionDenied(_("Only the uploader or an administrator can change this."))
    require_may_upload(user)
    if resource.state not in OWNER_EDITABLE_STATES:
        raise ValidationError(
            _(
                "“%(title)s” is “%(state)s”, so its file cannot be replaced now. Withdraw it "
                "first (it becomes a draft again), replace the file, then submit it for review."
            )
            % {"title": resource.title, "state": resource.get_state_display()},
            code="needs_review",
        )
    busy = (Resource.Status.UPLOADED, Resource.Status.PROCESSING)
    if resource.kind in MEDIA_KINDS and resource.status in busy:
        # A job still working on the old file would publish the old recording over the new.
        raise ValidationError(
            _(
                "The current file is still being prepared. Wait until that has finished "
                "(or failed), then replace it."
            ),
            code="processing",
        )


def replace_file(user, resource: Resource, source: StoredSource) -> Resource:
    """Make ``source`` (a finished upload, ``catalog.sources``) the resource's original.

    The old original's row goes (a resource has one original; its Blob stays, as Blobs are
    shared by content), so do the preview, the extracted text and the processed outputs
    made from it; then the kind's follow-up work runs again (``kinds.after_replace``):
    a video is transcoded again, a document gets a new preview. Audited. The upload is
    released only after commit, so a failure leaves it intact to try again.
    """
    require_replaceable(user, resource)
    _check_replacement(resource, source.content_type or "")
    if source.sha256 and source.sha256 == resource.source_sha256:
        raise _field_error(
            "upload",
            _("This is the same file as the current one. Choose the corrected file."),
            "same_file",
        )
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        require_replaceable(user, resource)  # again, now that the row is ours
        blob = blob_from_object(
            source.key, sha256=source.sha256, size=source.size, content_type=source.content_type
        )
        before = {"original": f"{resource.source_filename} ({resource.source_sha256[:12]})"}
        resource.files.exclude(role=ResourceFile.Role.ATTACHMENT).delete()
        ResourceText.objects.filter(resource=resource).delete()
        ResourceFile.objects.create(
            resource=resource,
            blob=blob,
            role=ResourceFile.Role.ORIGINAL,
            filename=source.filename or resource.title,
        )
        fields = {
            **DERIVED_FIELDS,
            **kinds.handler_for(resource.kind).initial_fields(resource.kind),
            "source_key": blob.key,
            "source_size": blob.size,
            "source_sha256": blob.sha256,
            "source_filename": (source.filename or "")[:255],
        }
        for name, value in fields.items():
            setattr(resource, name, value)
        resource.save()
        after = f"{resource.source_filename} ({blob.sha256[:12]})"
        log_event(resource, {"original": [before["original"], after]})
        kinds.after_replace(resource)
        transaction.on_commit(source.release)
    return resource


def delete_resource(user, resource: Resource) -> Resource:
    """Take the resource down. Soft: links then say "removed" (410) instead of "not
    found", and an administrator can restore it; the stored files are kept."""
    if not policy.can_manage(user, resource):
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


def record_download(resource: Resource, variant: str, *, user=None) -> None:
    """Count and audit a download: at most once per user, resource and day, so a page (or
    a book) that makes the browser fetch a download link again and again counts once. A
    resumed download is not a new one either (the callers check Range). The count is
    buffered (``catalog.counters``) and reaches the row and the index on the next flush."""
    signed_in = user is not None and user.is_authenticated
    try:
        if signed_in and not counters.first_download_today(user.pk, resource.pk):
            return
        counters.downloads().add(resource.pk)
    except RedisError as exc:
        # Counting is best effort: a download must not fail because Redis is unwell.
        log.warning("download of resource %s not counted: %s", resource.pk, exc)
    log_event(resource, {"download": [None, variant]})


def record_view(resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)
