"""Changes to notices: check, change, audit, and queue the sending after commit.

Pages (``sender``) and the API call these, never the models. A notice is edited only while
it is a draft or scheduled; sending starts with a conditional UPDATE (``sending.start``),
so pressing "send" twice sends once; afterwards it can only be withdrawn, which tells those
who received it. Whoever may see a notice (:func:`can_manage`: its sender, and the
administrators of the unit it was sent in the name of) may act on it; anyone else is told
it does not exist.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import filetypes
from edu_portal.accounts import permissions
from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.messaging import audience as audiences
from edu_portal.messaging import sending
from edu_portal.messaging.html import clean_body
from edu_portal.messaging.models import Channel, Delivery, Notice, NoticeAttachment
from edu_portal.storage import get_storage

log = logging.getLogger(__name__)

MANAGE_PERM = "org.manage"  # school administrators at their school, the bureau everywhere
MAX_REPLY_CHOICES = 10
ATTACHMENT_EXTENSIONS = (
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "jpg", "jpeg", "png", "gif", "webp",
    "txt",
)  # fmt: skip
FIELDS = (
    "title", "body", "audience", "ack", "reply_choices", "reply_text", "channels", "urgent",
    "send_at",
)  # fmt: skip


# --- who sees and acts on a notice ---------------------------------------------------------------


def visible_q(user) -> Q:
    """Notices ``user`` may see and act on: their own, and those sent in the name of units
    they administer."""
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    return Q(sender_id=user.pk) | permissions.scope_q(user, MANAGE_PERM)


def visible_notices(user) -> QuerySet[Notice]:
    return Notice.objects.filter(visible_q(user))


def can_manage(user, notice: Notice) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return notice.sender_id == user.pk or permissions.has_perm(user, MANAGE_PERM, notice.org_unit)


def _require_manage(actor, notice: Notice) -> None:
    if not can_manage(actor, notice):
        raise PermissionDenied(_("You cannot change this notice."))


def _require_sender(actor) -> None:
    if not permissions.has_perm(actor, audiences.PERM):
        raise PermissionDenied(_("Your account may not send notices."))


def _not_editable(notice: Notice) -> ValidationError:
    return ValidationError(
        _(
            "This notice is %(state)s and can no longer be changed; a sent notice can only "
            "be withdrawn."
        )
        % {"state": notice.get_state_display()},
        code="not_editable",
    )


# --- checking what the sender wrote --------------------------------------------------------------


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_fields(data: dict, *, now) -> dict:
    """The notice's fields checked and normalised (all of FIELDS present)."""
    # One line: the title becomes an SMS and an e-mail subject.
    title = " ".join((data.get("title") or "").split())
    if not title:
        raise _field_error("title", _("Give the notice a title."), "required")
    limit = Notice._meta.get_field("title").max_length
    if len(title) > limit:
        raise _field_error(
            "title", _("The title is too long: at most %(n)d characters.") % {"n": limit}
        )
    body = clean_body(data.get("body") or "")
    if not nh3.clean(body, tags=set()).strip():
        raise _field_error("body", _("Write the text of the notice."), "required")
    ack = data.get("ack") or Notice.Ack.READ
    if ack not in Notice.Ack.values:
        raise _field_error("ack", _("Choose how guardians acknowledge it: read, confirm or reply."))
    choices = data.get("reply_choices") or []
    if not isinstance(choices, list | tuple) or not all(isinstance(c, str) for c in choices):
        raise _field_error("reply_choices", _("The reply choices must be a list of words."))
    choices = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
    limit = 60
    if len(choices) > MAX_REPLY_CHOICES or any(len(c) > limit for c in choices):
        raise _field_error(
            "reply_choices",
            _("Offer at most %(n)d reply choices of up to %(len)d characters each.")
            % {"n": MAX_REPLY_CHOICES, "len": limit},
        )
    reply_text = bool(data.get("reply_text"))
    if ack == Notice.Ack.REPLY and not (choices or reply_text):
        raise _field_error(
            "reply_choices",
            _("A reply form needs choices (such as 同意 and 不同意) or a short text answer."),
        )
    if ack != Notice.Ack.REPLY:
        choices, reply_text = [], False
    channels = data.get("channels") or []
    if not isinstance(channels, list | tuple) or any(c not in Channel.values for c in channels):
        raise _field_error(
            "channels", _("Channels may be: %(all)s.") % {"all": ", ".join(Channel.values)}
        )
    channels = [c for c in Channel.values if c == Channel.INBOX or c in channels]
    send_at = data.get("send_at")
    if send_at is not None:
        if not isinstance(send_at, datetime.datetime):
            raise _field_error("send_at", _("Give the time to send it at."))
        if timezone.is_naive(send_at):
            send_at = timezone.make_aware(send_at)
        if send_at <= now:
            raise _field_error("send_at", _("The time to send it at has passed already."))
    return {
        "title": title,
        "body": body,
        "audience": data.get("audience"),
        "ack": ack,
        "reply_choices": choices,
        "reply_text": reply_text,
        "channels": channels,
        "urgent": bool(data.get("urgent")),
        "send_at": send_at,
    }


# --- writing notices ---------------------------------------------------------------------------


def create_notice(actor, **data) -> Notice:
    """A draft, or a scheduled notice when ``send_at`` is given (then sent by beat)."""
    _require_sender(actor)
    fields = _clean_fields({key: data.get(key) for key in FIELDS}, now=timezone.now())
    resolved = audiences.resolve(actor, fields["audience"])
    fields["audience"] = audiences.normalise(fields["audience"])
    state = Notice.State.SCHEDULED if fields["send_at"] else Notice.State.DRAFT
    with transaction.atomic(), actor_context(actor):
        notice = Notice.objects.create(
            sender=actor, org_unit=resolved.org_unit, state=state, **fields
        )
    return notice


def update_notice(actor, notice: Notice, **data) -> Notice:
    """Change a draft or scheduled notice (only the fields given); scheduling follows
    ``send_at`` (given and None: back to a draft)."""
    _require_manage(actor, notice)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic(), actor_context(actor):
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if not current.editable:
            raise _not_editable(current)
        merged = {**{key: getattr(current, key) for key in FIELDS}, **data}
        if "send_at" not in data and current.send_at and current.send_at <= timezone.now():
            merged["send_at"] = None  # its time passed while being edited: a draft again
        fields = _clean_fields(merged, now=timezone.now())
        resolved = audiences.resolve(actor, fields["audience"])
        fields["audience"] = audiences.normalise(fields["audience"])
        for key, value in fields.items():
            setattr(current, key, value)
        current.org_unit = resolved.org_unit
        current.state = Notice.State.SCHEDULED if fields["send_at"] else Notice.State.DRAFT
        current.save()
    return current


def delete_notice(actor, notice: Notice) -> None:
    """Delete a draft or scheduled notice and its attachments."""
    _require_manage(actor, notice)
    with transaction.atomic(), actor_context(actor):
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if not current.editable:
            raise _not_editable(current)
        keys = list(current.attachments.values_list("key", flat=True))
        current.attachments.all().delete()
        current.delete()
        transaction.on_commit(lambda: _delete_objects(keys))


def _delete_objects(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # a leftover object is harmless; the deletion is done
            log.warning("could not remove attachment object %s", key, exc_info=True)


# --- attachments ---------------------------------------------------------------------------------


def add_attachment(actor, notice: Notice, upload) -> NoticeAttachment:
    """Store an uploaded file (Django ``UploadedFile``) with the notice: a document or an
    image, checked by its name and its first bytes, within the size and count limits."""
    _require_manage(actor, notice)
    name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    ext = filetypes.extension(name)
    if not name or ext not in ATTACHMENT_EXTENSIONS:
        raise _field_error(
            "file",
            _("Attach documents or pictures: %(types)s.")
            % {"types": ", ".join(ATTACHMENT_EXTENSIONS)},
            "file_type",
        )
    limit = settings.NOTICE_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise _field_error(
            "file",
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024**2, 1)},
            "file_size",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _field_error("file", _("The file is larger than the limit."), "file_size")
    content_type = filetypes.EXTENSIONS[ext]
    if filetypes.content_problem(content_type, data[: filetypes.SNIFF_BYTES]) or (
        content_type.startswith("image/")
        and filetypes.sniffed_type(data[: filetypes.SNIFF_BYTES]) != content_type
    ):
        raise _field_error(
            "file",
            _("“%(name)s” is not the kind of file its name says.") % {"name": name},
            "file_content",
        )
    key = f"notices/{notice.pk}/{uuid.uuid4().hex}"
    sha256 = hashlib.sha256(data).hexdigest()
    limit_name = NoticeAttachment._meta.get_field("name").max_length
    with transaction.atomic(), actor_context(actor):
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if not current.editable:
            raise _not_editable(current)
        if current.attachments.count() >= settings.NOTICE_ATTACHMENTS_MAX:
            raise _field_error(
                "file",
                _("A notice may have at most %(n)d attachments.")
                % {"n": settings.NOTICE_ATTACHMENTS_MAX},
                "too_many",
            )
        get_storage().put_bytes(key, data, content_type=content_type, expected_sha256=sha256)
        try:
            attachment = NoticeAttachment.objects.create(
                notice=current,
                key=key,
                name=name[-limit_name:],
                content_type=content_type,
                size=len(data),
                sha256=sha256,
            )
        except Exception:
            _delete_objects([key])
            raise
    return attachment


def remove_attachment(actor, attachment: NoticeAttachment) -> None:
    notice = attachment.notice
    _require_manage(actor, notice)
    with transaction.atomic(), actor_context(actor):
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if not current.editable:
            raise _not_editable(current)
        key = attachment.key
        attachment.delete()
        transaction.on_commit(lambda: _delete_objects([key]))


# --- sending, withdrawing, reminding -----------------------------------------------------------


def send_now(actor, notice: Notice) -> bool:
    """Start sending now (a draft, or a scheduled notice before its time). True when this
    call started it; False when it was already sending or sent (nothing changes)."""
    _require_manage(actor, notice)
    if notice.state in (Notice.State.SENDING, Notice.State.SENT):
        return False
    if notice.state == Notice.State.WITHDRAWN:
        raise ValidationError(_("This notice was withdrawn."), code="withdrawn")
    # The audience is checked again: the sender's classes may have changed since.
    audiences.resolve(actor, notice.audience)
    with transaction.atomic(), actor_context(actor):
        started = sending.start(notice.pk)
        if started:
            log_event(notice, {"state": [notice.state, Notice.State.SENDING]})
            from edu_portal.messaging.tasks import send_notice

            transaction.on_commit(lambda: send_notice.delay(notice.pk))
    return started


def withdraw(actor, notice: Notice, reason: str) -> Notice:
    """Withdraw a sent (or sending) notice: messages still waiting are not sent, and those
    who received it are told, with the reason, on the channels they got it on."""
    _require_manage(actor, notice)
    reason = (reason or "").strip()
    if not reason:
        raise _field_error(
            "reason", _("Say why the notice is withdrawn: the guardians are told."), "required"
        )
    limit = 500
    if len(reason) > limit:
        raise _field_error("reason", _("Keep the reason under %(n)d characters.") % {"n": limit})
    now = timezone.now()
    with transaction.atomic(), actor_context(actor):
        changed = Notice.objects.filter(
            pk=notice.pk, state__in=(Notice.State.SENDING, Notice.State.SENT)
        ).update(
            state=Notice.State.WITHDRAWN,
            withdrawn_at=now,
            withdrawn_by=actor,
            withdraw_reason=reason,
            updated_at=now,
        )
        if not changed:
            current = Notice.objects.get(pk=notice.pk)
            if current.state == Notice.State.WITHDRAWN:
                raise ValidationError(_("This notice was withdrawn already."), code="withdrawn")
            raise ValidationError(
                _("Only a sent notice can be withdrawn; a draft can simply be deleted."),
                code="not_sent",
            )
        Delivery.objects.filter(
            notice=notice, purpose=Delivery.Purpose.NOTICE, state__in=sending.WAITING
        ).update(state=Delivery.State.SKIPPED, error="withdrawn")
        log_event(
            notice,
            {"state": [notice.state, Notice.State.WITHDRAWN], "withdraw_reason": ["", reason]},
        )
        from edu_portal.messaging.tasks import fan_out

        transaction.on_commit(lambda: fan_out.delay(notice.pk, Delivery.Purpose.WITHDRAWAL, 0))
    return Notice.objects.get(pk=notice.pk)


def remind(actor, notice: Notice) -> int:
    """Remind those who have not read, confirmed or replied (as the notice asks), at most
    once per NOTICE_REMIND_MINUTES; the reminder round's number."""
    _require_manage(actor, notice)
    if notice.state != Notice.State.SENT:
        raise ValidationError(_("Only a sent notice can be reminded of."), code="not_sent")
    if not sending.outstanding(notice).exists():
        raise ValidationError(
            _("Everyone has already done what the notice asks: there is nobody to remind."),
            code="nobody",
        )
    now = timezone.now()
    minutes = settings.NOTICE_REMIND_MINUTES
    recent = now - datetime.timedelta(minutes=minutes)
    with transaction.atomic(), actor_context(actor):
        claimed = (
            Notice.objects.filter(pk=notice.pk, state=Notice.State.SENT)
            .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=recent))
            .update(reminded_at=now, reminder_rounds=F("reminder_rounds") + 1)
        )
        if not claimed:
            raise ValidationError(
                _("A reminder was sent less than %(n)d minutes ago; try again later.")
                % {"n": minutes},
                code="too_soon",
            )
        round_no = Notice.objects.values_list("reminder_rounds", flat=True).get(pk=notice.pk)
        log_event(notice, {"reminder_rounds": [str(round_no - 1), str(round_no)]})
        from edu_portal.messaging.tasks import fan_out

        transaction.on_commit(lambda: fan_out.delay(notice.pk, Delivery.Purpose.REMINDER, round_no))
    return round_no
