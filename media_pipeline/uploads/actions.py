"""The action layer of uploads: create, append, finish, terminate, expire.

How bytes get from a PATCH request into the store (flat memory, resumable, several
processes):

1. The request takes the upload's *lease* with a conditional UPDATE (``lock_token`` set
   where no unexpired lease exists); a second request for the same upload gets 423. The
   lease is renewed while the body streams in, so a process that died releases it by
   expiring, and nothing ever holds a database transaction open for a whole request.
2. The body is read in blocks of READ_BLOCK bytes and handed to a store session
   (``edu_portal.storage.resumable``), which cuts S3 parts or appends to a file as it
   goes; the running SHA-256 of the whole upload (``hashing``), the tus checksum of this
   chunk and the content check of the first bytes are fed on the way.
3. At the end of the body -- or when the client went away part-way -- the session makes
   the bytes durable, and only then one conditional UPDATE (still our lease, still the
   offset we started from) saves the new offset, store state and hash state together. A
   chunk whose checksum fails, or that was cut off while a checksum was promised, is
   discarded: nothing of it counts.
4. When the offset reaches the length, the object is assembled under
   ``uploads/<uuid>/source`` with its SHA-256, and the row becomes complete.

Limits per teacher (``UPLOAD_QUOTA_BYTES``, ``UPLOAD_QUOTA_COUNT``): the sizes declared by
their open uploads -- unfinished, or complete but not yet made into a resource -- and the
number of them. Creation checks both under a lock of the owner's row, so parallel requests
cannot overshoot. A complete upload not used within ``UPLOAD_UNUSED_EXPIRY_DAYS`` is
freed by the hourly cleanup (``expire_unused``).

The type an upload is stored with comes from its name or its content
(``filetypes.stored_type``), never verbatim from the client's Upload-Metadata.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import filetypes
from edu_portal.accounts import audit
from edu_portal.accounts.permissions import has_perm
from edu_portal.storage import ObjectNotFound, get_storage
from edu_portal.storage.base import Readable
from edu_portal.storage.resumable import AppendSession
from media_pipeline.models import Upload
from media_pipeline.uploads import hashing
from media_pipeline.uploads.tus import CHECKSUM_MISMATCH, Checksum, TusError, clean_filename

logger = logging.getLogger(__name__)

PERMISSION = "resource.upload"
READ_BLOCK = 1 << 20
LEASE = timedelta(seconds=60)
RENEW_AFTER = timedelta(seconds=15)

Status = Upload.Status


def object_key(upload_id: uuid.UUID) -> str:
    """Where a finished upload lives; made from our UUID, never from what the client sent."""
    return f"uploads/{upload_id}/source"


def expiry_from(now):
    return now + timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)


def unused_expiry_from(completed_at):
    """When a complete upload that has not become a resource is removed."""
    return completed_at + timedelta(days=settings.UPLOAD_UNUSED_EXPIRY_DAYS)


# --- errors a person can act on -----------------------------------------------------------


def _not_found() -> TusError:
    return TusError(
        404, "not_found", _("This upload does not exist, or it belongs to someone else.")
    )


def _gone(upload: Upload | None = None) -> TusError:
    if upload is not None and upload.completed_at is not None:
        return TusError(
            410,
            "expired",
            _(
                "This upload was finished but not used for a resource within %(days)s days "
                "and has been removed. Please upload the file again."
            )
            % {"days": settings.UPLOAD_UNUSED_EXPIRY_DAYS},
        )
    return TusError(
        410,
        "expired",
        _(
            "This upload was not finished within %(hours)s hours and has been removed. "
            "Please upload the file again."
        )
        % {"hours": settings.UPLOAD_EXPIRY_HOURS},
    )


def _locked() -> TusError:
    return TusError(
        423,
        "locked",
        _(
            "This file is already being sent from another window or device. Wait for that "
            "to finish, or try again in a minute."
        ),
    )


def _offset_mismatch(offset: int) -> TusError:
    return TusError(
        409,
        "offset_mismatch",
        _(
            "The upload got out of step with the server, which has %(offset)s bytes of it. "
            "It will continue from there."
        )
        % {"offset": offset},
        {"Upload-Offset": str(offset)},
    )


def _too_much() -> TusError:
    return TusError(
        413,
        "exceeds_length",
        _("More data arrived than the file size given when the upload started."),
    )


def _content_error(problem: str) -> TusError:
    messages = {
        "media": _(
            "This file does not look like a video or audio file. Please check that you "
            "chose the right file."
        ),
        "pdf": _("This file is not a PDF document, although its name says so."),
        "document": _(
            "This file is not a Word, PowerPoint or Excel document, although its name says "
            "so. Please save it again from the office program and upload that."
        ),
        "image": _("This file is not a picture, although its name says so."),
        "text": _(
            "This file is not plain text, although its name ends in .txt. Save it as text "
            "(UTF-8 or GBK) and upload it again."
        ),
        "active": _("This file contains a web page or a program, which cannot be uploaded here."),
    }
    return TusError(415, "content_mismatch", messages.get(problem, messages["media"]))


def _invalid_type() -> TusError:
    return TusError(
        400,
        "invalid_type",
        _(
            "The file type sent with the upload is not a valid type (such as video/mp4). "
            "Please choose the file again, or name it with its extension (such as .mp4)."
        ),
    )


# --- quotas -------------------------------------------------------------------------------


def open_uploads(user_id) -> dict[str, int]:
    """``{"count", "bytes"}`` of the user's uploads that hold (or will hold) storage: not
    expired, unfinished or complete and not yet made into a resource (those are deleted)."""
    now = timezone.now()
    live = Q(status__in=(Status.ASSEMBLING, Status.COMPLETE)) | Q(
        status=Status.RECEIVING, expires_at__gt=now
    )
    used = Upload.objects.filter(live, owner_id=user_id).aggregate(
        count=Count("pk"), bytes=Sum("length")
    )
    return {"count": used["count"] or 0, "bytes": used["bytes"] or 0}


def check_quota(user, length: int) -> None:
    """413 when one more upload of ``length`` bytes would exceed the user's quotas."""
    used = open_uploads(user.pk)
    if used["count"] + 1 > settings.UPLOAD_QUOTA_COUNT:
        raise TusError(
            413,
            "too_many_uploads",
            _(
                "You already have %(count)s uploads that are unfinished or not yet used for "
                "a resource; at most %(limit)s are allowed at a time. Finish them and create "
                "the resources, or cancel the ones you no longer need, then try again."
            )
            % {"count": used["count"], "limit": settings.UPLOAD_QUOTA_COUNT},
        )
    limit = settings.UPLOAD_QUOTA_BYTES
    if used["bytes"] + length > limit:
        raise TusError(
            413,
            "quota_exceeded",
            _(
                "This file (%(size)s) does not fit into your upload space: your unfinished "
                "uploads and uploads not yet used for a resource take %(used)s of %(limit)s. "
                "Finish them and create the resources, or cancel the ones you no longer "
                "need, then try again."
            )
            % {
                "size": filesizeformat(length),
                "used": filesizeformat(used["bytes"]),
                "limit": filesizeformat(limit),
            },
        )


# --- leases -------------------------------------------------------------------------------


def _acquire(upload_id: uuid.UUID) -> str | None:
    now = timezone.now()
    token = secrets.token_hex(16)
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    taken = (
        Upload.objects.filter(free, pk=upload_id)
        .exclude(status=Status.EXPIRED)
        .update(lock_token=token, locked_until=now + LEASE)
    )
    return token if taken else None


def _renew(upload_id: uuid.UUID, token: str) -> bool:
    until = timezone.now() + LEASE
    return bool(Upload.objects.filter(pk=upload_id, lock_token=token).update(locked_until=until))


def _release(upload_id: uuid.UUID, token: str) -> None:
    Upload.objects.filter(pk=upload_id, lock_token=token).update(lock_token="", locked_until=None)


# --- create ---------------------------------------------------------------------------------


def create_upload(user, *, length: int | None, metadata: dict[str, str]) -> Upload:
    """Check size and type, start the upload in the store, save the row."""
    if not has_perm(user, PERMISSION):
        raise PermissionDenied(_("Your account is not allowed to upload files."))
    if length is None:
        raise TusError(
            400,
            "length_required",
            _("The upload did not say how big the file is (Upload-Length). Please try again."),
        )
    if length == 0:
        raise TusError(400, "empty_file", _("The file is empty. Please choose another file."))
    limit = settings.UPLOAD_MAX_BYTES
    if length > limit:
        raise TusError(
            413,
            "file_too_large",
            _(
                "This file is %(size)s; files can be at most %(limit)s. Please make the "
                "video smaller (for example, export it at a lower resolution) or split it."
            )
            % {"size": filesizeformat(length), "limit": filesizeformat(limit)},
        )
    filename = clean_filename(metadata.get("filename", "") or metadata.get("name", ""))
    declared = metadata.get("filetype", "") or metadata.get("type", "")
    if declared and not filetypes.is_valid_type(declared):
        raise _invalid_type()
    filetype = filetypes.effective_type(filename, declared)
    if filetype is None:
        raise TusError(
            400,
            "type_unknown",
            _(
                "Tell us the name of the file (with its extension, such as .mp4) or its "
                "type when starting the upload."
            ),
        )
    if not filetypes.is_allowed(filetype, settings.UPLOAD_ALLOWED_TYPES):
        raise TusError(
            415,
            "type_not_allowed",
            _(
                "Files of this type (%(type)s) cannot be uploaded here. You can upload "
                "videos, audio, PDF, Word, PowerPoint and Excel documents."
            )
            % {"type": filetype},
        )
    check_quota(user, length)  # a quick refusal before the store is touched

    now = timezone.now()
    upload = Upload(
        owner=user,
        filename=filename,
        filetype=filetype,
        metadata=metadata,
        length=length,
        created_at=now,
        updated_at=now,
        expires_at=expiry_from(now),
    )
    upload.key = object_key(upload.id)
    upload.hash_state = hashing.resumable_sha256().state() if hashing.available() else None
    upload.storage_state = get_storage().resumable_create(
        upload.id.hex, key=upload.key, length=length, content_type=filetype
    )
    try:
        with transaction.atomic():
            # One creation at a time per owner (a row lock on PostgreSQL; SQLite's
            # IMMEDIATE transactions serialise all writers), so that parallel requests
            # cannot all pass the check below.
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk"))
            check_quota(user, length)
            upload.save(force_insert=True)
    except BaseException:
        get_storage().resumable_abort(upload.storage_state)
        raise
    audit.log_event(
        upload,
        {"filename": [None, filename], "length": [None, str(length)]},
        action=LogEntry.Action.CREATE,
    )
    return upload


def get_upload(user, upload_id: uuid.UUID) -> Upload:
    """The user's own upload, else 404 (others' uploads are not even acknowledged)."""
    upload = Upload.objects.filter(pk=upload_id, owner_id=user.pk).first()
    if upload is None:
        raise _not_found()
    return upload


def get_live_upload(user, upload_id: uuid.UUID) -> Upload:
    """The user's own upload, unless it has expired (410)."""
    upload = get_upload(user, upload_id)
    if is_expired(upload):
        raise _gone(upload)
    return upload


def is_expired(upload: Upload) -> bool:
    return upload.status == Status.EXPIRED or (
        upload.status == Status.RECEIVING and upload.expires_at <= timezone.now()
    )


# --- append ---------------------------------------------------------------------------------


@dataclass
class _Progress:
    """What one request has added, before it is saved."""

    session: AppendSession
    hasher: hashing.ResumableSha256 | None
    head: bytes
    content_checked: bool
    filetype: str  # from the name or the content once the head is checked


def append(upload: Upload, body: Readable, *, offset: int, length: int, checksum: Checksum | None):
    """Add ``length`` bytes read from ``body`` at ``offset``; return the saved upload.

    A client that goes away part-way keeps what arrived (unless it promised a checksum);
    the returned upload then simply has a smaller offset than asked for.
    """
    if is_expired(upload):
        raise _gone(upload)
    if offset != upload.offset:
        raise _offset_mismatch(upload.offset)
    if offset + length > upload.length:
        raise _too_much()
    token = _acquire(upload.pk)
    if token is None:
        raise _locked()
    try:
        upload.refresh_from_db()
        if upload.offset != offset:  # moved on between our read and the lease
            raise _offset_mismatch(upload.offset)
        if upload.status == Status.RECEIVING and length:
            _receive(upload, token, body, length, checksum)
            upload.refresh_from_db()
        if upload.status == Status.ASSEMBLING:
            finish(upload, token)
    finally:
        _release(upload.pk, token)
    upload.refresh_from_db()
    return upload


def _receive(
    upload: Upload, token: str, body: Readable, length: int, checksum: Checksum | None
) -> None:
    store = get_storage()
    try:
        session = store.resumable_append(upload.storage_state, upload.offset)
    except ObjectNotFound:
        raise _gone() from None
    progress = _Progress(
        session=session,
        # Without a saved state (or the library to continue it) the SHA-256 is computed
        # from the assembled object instead.
        hasher=(
            hashing.resumable_sha256(bytes(upload.hash_state))
            if upload.hash_state is not None and hashing.available()
            else None
        ),
        head=bytes(upload.head),
        content_checked=upload.content_checked,
        filetype=upload.filetype,
    )
    chunk_hash = checksum.new() if checksum else None
    saved = False
    try:
        complete_body = _stream(upload, token, body, length, progress, chunk_hash)
        if checksum is not None:
            if not complete_body:
                # Cut off: the checksum covers bytes that never came. Keep nothing.
                session.discard()
                return
            if chunk_hash.digest() != checksum.digest:  # discarded below
                raise TusError(
                    CHECKSUM_MISMATCH,
                    "checksum_mismatch",
                    _(
                        "Part of the file was damaged on its way to the server and has been "
                        "thrown away. It will be sent again."
                    ),
                )
        if not session.written:
            session.close()
            return
        _save(upload, token, progress)
        saved = True
    except _LeaseLost:
        session.close()  # someone else writes now: touch nothing
        raise _locked() from None
    except _Refused as refused:
        session.discard()
        _drop_refused(upload, token)
        raise _content_error(refused.problem) from None
    except BaseException:
        if not saved:
            session.discard()
        raise


class _LeaseLost(Exception):
    """Another request took the upload over (our lease expired while we were stalled)."""


class _Refused(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _stream(upload, token, body, length, progress: _Progress, chunk_hash) -> bool:
    """Copy the body into the session; False when the client went away before the end."""
    session = progress.session
    head_size = min(filetypes.SNIFF_BYTES, upload.length)
    renewed = timezone.now()
    remaining = length
    while remaining:
        try:
            block = body.read(min(READ_BLOCK, remaining))
        except OSError:  # reset by peer, timeout, the server's own "no more data"
            block = b""
        if not block:
            return False
        block = bytes(block)
        remaining -= len(block)
        if not progress.content_checked and len(progress.head) < head_size:
            progress.head += block[: head_size - len(progress.head)]
            if len(progress.head) == head_size:
                problem = filetypes.content_problem(upload.filetype, progress.head)
                if problem:
                    raise _Refused(problem)
                progress.content_checked = True
                progress.filetype = filetypes.stored_type(
                    upload.filename, upload.filetype, progress.head
                )
        if progress.hasher is not None:
            progress.hasher.update(block)
        if chunk_hash is not None:
            chunk_hash.update(block)
        session.write(block)
        now = timezone.now()
        if now - renewed > RENEW_AFTER:
            if not _renew(upload.pk, token):
                raise _LeaseLost
            renewed = now
    return True


def _save(upload: Upload, token: str, progress: _Progress) -> None:
    session = progress.session
    new_state = session.commit()  # durable from here on, but not counted yet
    new_offset = session.position
    now = timezone.now()
    done = new_offset == upload.length
    saved = Upload.objects.filter(pk=upload.pk, lock_token=token, offset=upload.offset).update(
        offset=new_offset,
        storage_state=new_state,
        hash_state=progress.hasher.state() if progress.hasher is not None else None,
        head=b"" if progress.content_checked else progress.head,
        content_checked=progress.content_checked,
        filetype=progress.filetype,
        status=Status.ASSEMBLING if done else Status.RECEIVING,
        updated_at=now,
        expires_at=expiry_from(now),
    )
    if not saved:
        # Lease lost, so another request may be writing: leave the store alone (what we
        # stored is unreferenced, and overwritten or swept later).
        raise _LeaseLost
    session.committed()


def _drop_refused(upload: Upload, token: str) -> None:
    """A file whose content contradicts its type can never succeed: remove it now."""
    get_storage().resumable_abort(upload.storage_state)
    Upload.objects.filter(pk=upload.pk, lock_token=token).delete()
    logger.info("upload %s refused by content (declared %s)", upload.pk, upload.filetype)


# --- finish, terminate, expire ----------------------------------------------------------


def finish(upload: Upload, token: str) -> None:
    """Assemble the object of a fully received upload (holding its lease). Idempotent."""
    digest = None
    if upload.hash_state is not None and hashing.available():
        digest = hashing.resumable_sha256(bytes(upload.hash_state)).hexdigest()
    # The object gets the type found from the name or content, not the one of creation.
    state = {**upload.storage_state, "content_type": upload.filetype}
    info = get_storage().resumable_complete(state, sha256=digest)
    now = timezone.now()
    Upload.objects.filter(pk=upload.pk, lock_token=token, status=Status.ASSEMBLING).update(
        status=Status.COMPLETE,
        sha256=info.sha256 or "",
        completed_at=now,
        updated_at=now,
        hash_state=None,
        head=b"",
    )
    upload.refresh_from_db()
    audit.log_event(upload, {"status": [Status.ASSEMBLING, Status.COMPLETE]})


def finish_if_assembling(upload: Upload) -> Upload:
    """Retry an assembly that failed earlier (a store outage at the last chunk)."""
    if upload.status != Status.ASSEMBLING:
        return upload
    token = _acquire(upload.pk)
    if token is None:
        return upload  # someone is at it
    try:
        upload.refresh_from_db()
        if upload.status == Status.ASSEMBLING:
            finish(upload, token)
    finally:
        _release(upload.pk, token)
    upload.refresh_from_db()
    return upload


def terminate(upload: Upload) -> None:
    """tus termination: delete everything stored for the upload, then the row."""
    token = _acquire(upload.pk)
    if token is None:
        if Upload.objects.filter(pk=upload.pk, status=Status.EXPIRED).exists():
            Upload.objects.filter(pk=upload.pk).delete()  # its storage is gone already
            return
        raise _locked()
    try:
        upload.refresh_from_db()
        get_storage().resumable_abort(upload.storage_state)
        audit.log_event(
            upload, {"filename": [upload.filename, None]}, action=LogEntry.Action.DELETE
        )
        Upload.objects.filter(pk=upload.pk, lock_token=token).delete()
    finally:
        _release(upload.pk, token)  # (a no-op once the row is gone)


def expire(upload: Upload) -> bool:
    """Free the storage of an unfinished upload past its expiry; keep the row (410)."""
    token = _acquire(upload.pk)
    if token is None:
        return False
    try:
        upload.refresh_from_db()
        if upload.status != Status.RECEIVING or upload.expires_at > timezone.now():
            return False  # resumed meanwhile
        get_storage().resumable_abort(upload.storage_state)
        Upload.objects.filter(pk=upload.pk, lock_token=token).update(
            status=Status.EXPIRED,
            storage_state={},
            hash_state=None,
            head=b"",
            updated_at=timezone.now(),
        )
    finally:
        _release(upload.pk, token)
    with audit.actor_context(None):
        audit.log_event(upload, {"status": [Status.RECEIVING, Status.EXPIRED]})
    return True


def expire_unused(upload: Upload) -> bool:
    """Free a complete upload that was not made into a resource within
    UPLOAD_UNUSED_EXPIRY_DAYS (its object); keep the row, which answers 410."""
    token = _acquire(upload.pk)
    if token is None:
        return False
    try:
        upload.refresh_from_db()
        now = timezone.now()
        if upload.status != Status.COMPLETE or upload.completed_at is None:
            return False
        if unused_expiry_from(upload.completed_at) > now:
            return False  # (the cleanup's query and this check use the same rule)
        get_storage().delete(upload.key)
        Upload.objects.filter(pk=upload.pk, lock_token=token).update(
            status=Status.EXPIRED, storage_state={}, updated_at=now
        )
    finally:
        _release(upload.pk, token)
    with audit.actor_context(None):
        audit.log_event(upload, {"status": [Status.COMPLETE, Status.EXPIRED]})
    return True
