"""A guardian's side of a notice: their inbox, and the receipts they give (read, confirmed,
replied). The action layer behind the inbox pages, the short-link page and the inbox API.

Receipts live on the frozen ``Recipient`` row and change by conditional UPDATE, so two
taps, two tabs or a retried request record a read or a confirmation once: ``read_at`` is
set once, ``confirmed_at`` once; a reply may be changed (it overwrites the answer and its
time) until the notice is withdrawn. A withdrawn notice takes no receipts at all. Every
receipt that changes something is written to the audit log as done by the guardian, from
the address of the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.accounts.models import OrgUnit
from edu_portal.messaging.models import Notice, Recipient, RecipientChild
from edu_portal.messaging.sending import inbox_link
from edu_portal.notifications.models import Category, Notification

# Recipients are frozen when sending starts: a notice in these states is in the inbox.
VISIBLE = (Notice.State.SENDING, Notice.State.SENT, Notice.State.WITHDRAWN)
# ... and takes receipts in these.
OPEN = (Notice.State.SENDING, Notice.State.SENT)
REPLY_TEXT_MAX = Recipient._meta.get_field("reply_text").max_length


def inbox(user) -> QuerySet[Recipient]:
    """The user's notices, newest first (the ``recipient_inbox`` index)."""
    return (
        Recipient.objects.filter(user_id=user.pk, notice__state__in=VISIBLE)
        .select_related("notice__org_unit")
        .order_by("-created_at", "-pk")
    )


def unread(user) -> QuerySet[Recipient]:
    return inbox(user).filter(read_at__isnull=True).exclude(notice__state=Notice.State.WITHDRAWN)


def receipt_of(user, notice_id: int) -> Recipient:
    """The user's receipt row for that notice; ``Recipient.DoesNotExist`` for a notice
    they did not receive (another guardian's, a draft): the same as no notice at all."""
    return inbox(user).get(notice_id=notice_id)


# --- the children a notice concerns -------------------------------------------------------


@dataclass(frozen=True)
class Child:
    name: str
    class_label: str

    def __str__(self) -> str:
        if not self.class_label:
            return self.name
        return _("%(name)s (%(class)s)") % {"name": self.name, "class": self.class_label}


def _class_label(unit: OrgUnit | None, grades: dict[str, OrgUnit]) -> str:
    if unit is None:
        return ""
    grade = grades.get(unit.path[: -OrgUnit.steplen])
    if unit.kind != OrgUnit.Kind.CLASS or grade is None or grade.kind != OrgUnit.Kind.GRADE:
        return unit.name
    # "1班" under "一年级" reads "一年级1班"; a class already named "一年级1班" stays so.
    return unit.name if unit.name.startswith(grade.name) else f"{grade.name}{unit.name}"


def attach_children(recipients: list[Recipient]) -> list[Recipient]:
    """Give each recipient ``concerns``: the children named, with their class as it was
    when sent. Two queries for any number of rows (the children, then their grades)."""
    rows = list(
        RecipientChild.objects.filter(recipient__in=[r.pk for r in recipients])
        .select_related("class_unit")
        .order_by("recipient_id", "student_name", "pk")
    )
    parent_paths = {
        row.class_unit.path[: -OrgUnit.steplen]
        for row in rows
        if row.class_unit is not None and len(row.class_unit.path) > OrgUnit.steplen
    }
    grades = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=parent_paths)}
    by_recipient: dict[int, list[Child]] = {}
    for row in rows:
        by_recipient.setdefault(row.recipient_id, []).append(
            Child(row.student_name, _class_label(row.class_unit, grades))
        )
    for recipient in recipients:
        recipient.concerns = by_recipient.get(recipient.pk, [])
        recipient.concerns_text = concerns_text(recipient.concerns)
    return recipients


def concerns_text(children: list[Child]) -> str:
    """ "张小明（一年级1班）、张小红（三年级2班）"."""
    return _(", ").join(str(child) for child in children)


# --- receipts --------------------------------------------------------------------------------


def ensure_open(recipient: Recipient) -> None:
    """ValidationError ``withdrawn`` once the notice is withdrawn (it takes no receipts)."""
    state = Notice.objects.filter(pk=recipient.notice_id).values_list("state", flat=True).first()
    if state not in OPEN:
        raise ValidationError(
            _("This notice has been withdrawn; it takes no answers."), code="withdrawn"
        )


def _mark_bell_read(recipient: Recipient, now) -> None:
    """The notification-centre rows about this notice count as read too."""
    notice_type = ContentType.objects.get_for_model(Notice)
    Notification.objects.filter(
        Q(link=inbox_link(recipient.notice_id))
        | Q(target_type=notice_type, target_id=recipient.notice_id),
        recipient_id=recipient.user_id,
        category=Category.NOTICE,
        read_at__isnull=True,
    ).update(read_at=now)


def _audit(recipient: Recipient, changes: dict, ip: str | None) -> None:
    with actor_context(recipient.user, remote_addr=ip):
        log_event(recipient, changes)


def mark_read(recipient: Recipient, *, ip: str | None = None) -> bool:
    """Record that the guardian read it (once). True when this call recorded it. A
    withdrawn notice records nothing: its content is no longer shown."""
    now = timezone.now()
    with transaction.atomic():
        changed = Recipient.objects.filter(
            pk=recipient.pk, read_at__isnull=True, notice__state__in=OPEN
        ).update(read_at=now)
        _mark_bell_read(recipient, now)
        if changed:
            recipient.read_at = now
            _audit(recipient, {"read_at": [None, now.isoformat()]}, ip)
    return bool(changed)


def confirm(recipient: Recipient, *, ip: str | None = None) -> bool:
    """Record the confirmation (once; it also counts as read). True when this call
    recorded it, False when it was already confirmed."""
    if recipient.notice.ack != Notice.Ack.CONFIRM:
        raise ValidationError(
            _("This notice does not ask for a confirmation."), code="no_confirmation"
        )
    now = timezone.now()
    with transaction.atomic():
        changed = Recipient.objects.filter(
            pk=recipient.pk, confirmed_at__isnull=True, notice__state__in=OPEN
        ).update(confirmed_at=now, read_at=Coalesce("read_at", now))
        if not changed:
            ensure_open(recipient)
            return False
        _mark_bell_read(recipient, now)
        _audit(recipient, {"confirmed_at": [None, now.isoformat()]}, ip)
    recipient.refresh_from_db(fields=["read_at", "confirmed_at"])
    return True


def clean_reply(notice: Notice, choice: str | None, text: str | None) -> tuple[str, str]:
    """The answer as it will be stored, or ValidationError with a sentence for the
    guardian (keyed by field)."""
    if notice.ack != Notice.Ack.REPLY:
        raise ValidationError(_("This notice does not ask for a reply."), code="no_reply")
    choice = (choice or "").strip()
    text = " ".join((text or "").split())  # one line: it ends up in an Excel cell
    choices = [str(c) for c in notice.reply_choices or []]
    errors: dict[str, str] = {}
    if choices:
        if not choice:
            errors["choice"] = _("Choose one of the answers.")
        elif choice not in choices:
            errors["choice"] = _("That is not one of the answers offered.")
    elif choice:
        errors["choice"] = _("This notice offers no answers to choose from.")
    if text and not notice.reply_text:
        errors["text"] = _("This notice does not ask for a written answer.")
    elif notice.reply_text and not choices and not text:
        errors["text"] = _("Write your answer.")
    elif len(text) > REPLY_TEXT_MAX:
        errors["text"] = _("Keep your answer under %(max)d characters.") % {"max": REPLY_TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    return choice, text


def reply(
    recipient: Recipient, choice: str | None, text: str | None, *, ip: str | None = None
) -> Recipient:
    """Store the guardian's answer (it also counts as read). Answering again replaces the
    answer, until the notice is withdrawn."""
    choice, text = clean_reply(recipient.notice, choice, text)
    now = timezone.now()
    with transaction.atomic():
        before = Recipient.objects.filter(pk=recipient.pk).values("reply_choice", "reply_text")
        before = before.first() or {}
        changed = Recipient.objects.filter(pk=recipient.pk, notice__state__in=OPEN).update(
            reply_choice=choice,
            reply_text=text,
            replied_at=now,
            read_at=Coalesce("read_at", now),
        )
        if not changed:
            ensure_open(recipient)
            raise Recipient.DoesNotExist  # the row went away (retention) meanwhile
        _mark_bell_read(recipient, now)
        changes = {
            "reply_choice": [before.get("reply_choice", ""), choice],
            "reply_text": [before.get("reply_text", ""), text],
            "replied_at": [None, now.isoformat()],
        }
        _audit(recipient, changes, ip)
    recipient.refresh_from_db(fields=["read_at", "reply_choice", "reply_text", "replied_at"])
    return recipient
