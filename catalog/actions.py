"""Actions on catalog resources: check, change, audit, and queue work after commit."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import policy
from catalog.models import Blob, Resource, ResourceFile, Tag
from catalog.taxonomy import stage_of_grade
from edu_portal.access import Visibility
from edu_portal.accounts.audit import log_event
from edu_portal.accounts.permissions import has_perm, is_bureau_admin
from edu_portal.storage import get_storage

log = logging.getLogger(__name__)

MEDIA_KINDS = {Resource.Kind.VIDEO, Resource.Kind.AUDIO}
MAX_TAGS = 20
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


# --- files, stored once by content ---------------------------------------------------------


def _blob_row(sha256: str, size: int, content_type: str) -> Blob:
    try:
        with transaction.atomic():
            blob, _created = Blob.objects.get_or_create(
                sha256=sha256,
                defaults={"size": size, "content_type": content_type, "key": Blob.key_for(sha256)},
            )
    except IntegrityError:  # created by a concurrent import of the same file
        blob = Blob.objects.get(sha256=sha256)
    return blob


def blob_from_object(src_key: str, *, sha256: str, size: int, content_type: str) -> Blob:
    """The Blob for an object already in the store (an upload): copied server-side to its
    content address unless an identical file is stored already."""
    storage = get_storage()
    key = Blob.key_for(sha256)
    if not storage.exists(key):
        storage.copy(src_key, key)
    return _blob_row(sha256, size, content_type)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def blob_from_file(
    path: Path,
    *,
    content_type: str = "",
    sha256: str | None = None,
    written: list[str] | None = None,
) -> Blob:
    """The Blob for a local file (bulk import, generated previews); uploaded only if new,
    and then its key appended to ``written`` (so a failed transaction can remove it).
    ``put`` verifies the SHA-256, so a file changing under us is refused, not stored."""
    sha256 = sha256 or sha256_of(path)
    content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    storage = get_storage()
    key = Blob.key_for(sha256)
    size = path.stat().st_size
    if not storage.exists(key):
        with path.open("rb") as handle:
            storage.put(key, handle, length=size, content_type=content_type, expected_sha256=sha256)
        if written is not None:
            written.append(key)
    return _blob_row(sha256, size, content_type)


def blob_from_bytes(data: bytes, *, content_type: str, written: list[str] | None = None) -> Blob:
    """The Blob for bytes in memory (e-book covers, thumbnails); uploaded only if new,
    and then its key appended to ``written``, as :func:`blob_from_file` does."""
    sha256 = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    key = Blob.key_for(sha256)
    if not storage.exists(key):
        storage.put_bytes(key, data, content_type=content_type, expected_sha256=sha256)
        if written is not None:
            written.append(key)
    return _blob_row(sha256, len(data), content_type)


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


def _after_commit_index(resource_id: int) -> None:
    try:
        from catalog.search.indexing import schedule_index
    except ImportError:  # pragma: no cover - the search module is always present
        return
    schedule_index(resource_id)


def _after_commit_preview(resource_id: int) -> None:
    try:
        from catalog.previews.tasks import enqueue_preview
    except ImportError:  # pragma: no cover
        return
    enqueue_preview(resource_id)


# --- create, edit, delete --------------------------------------------------------------------


def create_resource(
    user,
    *,
    upload,
    title: str,
    kind: str,
    description: str = "",
    visibility: str = Visibility.INTRANET,
    tags: Iterable[str] = (),
    submit: bool = False,
    **metadata,
) -> Resource:
    """A new draft resource from the user's finished tus upload (see uploads).

    The file becomes a Blob (shared with identical files), videos and audio get a
    processing job, documents a preview job; ``submit`` sends it to review at once.
    """
    from media_pipeline.processing.models import ProcessingJob
    from media_pipeline.processing.tasks import enqueue

    if not has_perm(user, "resource.upload"):
        raise PermissionDenied(_("Your account may not upload resources."))
    _check_kind(kind, upload.filetype or "")
    fields = clean_taxonomy({k: v for k, v in metadata.items() if k in EDITABLE})
    with transaction.atomic():
        blob = blob_from_object(
            upload.key, sha256=upload.sha256, size=upload.length, content_type=upload.filetype
        )
        resource = Resource.objects.create(
            title=title,
            description=description,
            kind=kind,
            visibility=visibility,
            uploader=user,
            org_unit=getattr(user, "org_unit", None),
            source_key=blob.key,
            source_size=blob.size,
            source_sha256=blob.sha256,
            source_filename=(upload.filename or "")[:255],
            **fields,
        )
        ResourceFile.objects.create(
            resource=resource,
            blob=blob,
            role=ResourceFile.Role.ORIGINAL,
            filename=resource.source_filename or title,
        )
        set_tags(resource, tags)
        log_event(resource, {"created": [None, blob.key]})
        if kind in MEDIA_KINDS:
            job = ProcessingJob.objects.create(resource=resource)
            enqueue(job.pk)
        else:
            Resource.objects.filter(pk=resource.pk).update(
                status=Resource.Status.READY, preview_state=Resource.Preview.PENDING
            )
            resource.refresh_from_db()
            transaction.on_commit(lambda: _after_commit_preview(resource.pk))
            if kind == Resource.Kind.EBOOK:
                from ebooks.tasks import enqueue_ingest

                enqueue_ingest(resource.pk)
        if submit:
            from edu_portal.workflow import transitions

            transitions.submit(user, resource)
    return resource


def update_resource(user, resource: Resource, *, tags: Iterable[str] | None = None, **changes):
    """Change metadata. Published resources stay published (edits are audited); a kind
    change must still fit the stored file."""
    if not policy.can_manage(user, resource):
        raise PermissionDenied(_("Only the uploader or an administrator can change this."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
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
        for name, value in changes.items():
            setattr(resource, name, value)
        resource.full_clean(exclude=["uploader", "org_unit", "tags"])
        resource.save()
        if tags is not None:
            set_tags(resource, tags)
        transaction.on_commit(lambda: _after_commit_index(resource.pk))
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
        transaction.on_commit(lambda: _after_commit_index(resource.pk))
    return resource


def restore_resource(user, resource: Resource) -> Resource:
    if not is_bureau_admin(user):
        raise PermissionDenied(_("Only bureau administrators can restore deleted resources."))
    if resource.deleted_at is not None:
        log_event(resource, {"deleted": [resource.deleted_at.isoformat(), None]})
        resource.deleted_at = None
        resource.save(update_fields=["deleted_at", "updated_at"])
        transaction.on_commit(lambda: _after_commit_index(resource.pk))
    return resource


def record_download(resource: Resource, variant: str) -> None:
    """Count and audit one download (a resumed download is not counted again)."""
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    log_event(resource, {"download": [None, variant]})
    # "Most downloaded" sorts on the index's copy of the count.
    transaction.on_commit(lambda: _after_commit_index(resource.pk))


def record_view(resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)
