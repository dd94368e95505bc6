"""Every change to a letter: checked, made, recorded in its history and the audit log, and
whatever goes out (mail, SMS, notifications) queued after commit.

The office (``mailbox.answer``) accepts or rejects, dispatches, approves or returns the
answer, extends deadlines; the department (``mailbox.reply`` at the letter's department)
drafts the answer. The writer submits, looks up with the query code plus their phone, and
rates the answer.
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts.audit import actor_context
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.permissions import has_perm
from edu_portal.interaction import deadlines
from edu_portal.interaction.deadlines import unanswered_for  # noqa: F401 (part of the API)
from edu_portal.interaction.history import (
    HANDLE,
    REPLY,
    department_people,
    office_people,
)
from edu_portal.interaction.history import record as _record
from edu_portal.interaction.history import tell as _tell
from edu_portal.interaction.models import (
    OPEN_STATES,
    AnswerMethod,
    Channel,
    Event,
    Kind,
    Letter,
    Rating,
    State,
)

# No 0/O, 1/I/L: codes are read out over the phone and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


# --- who may do what -------------------------------------------------------------------------


def can_handle(user) -> bool:
    """The office: accepts, dispatches, approves, extends; sees every letter."""
    return has_perm(user, HANDLE)


def can_reply(user, letter: Letter) -> bool:
    """The department the letter was sent to (its editors)."""
    return letter.department_id is not None and has_perm(user, REPLY, letter.department)


def can_view(user, letter: Letter) -> bool:
    return can_handle(user) or can_reply(user, letter)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your account may not handle this letter."))


def _require_state(letter: Letter, *states: str) -> None:
    if letter.state not in states:
        raise ValidationError(
            _("This letter is “%(state)s”: that step is not possible now.")
            % {"state": letter.get_state_display()},
            code="wrong_state",
        )


def _locked(letter: Letter) -> Letter:
    return Letter.objects.select_for_update().get(pk=letter.pk)


# --- the writer ---------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")
    return digits.removeprefix("+86").lstrip("+")


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def submit(
    *,
    kind: str,
    subject: str,
    body: str,
    name: str,
    phone: str,
    email: str = "",
    publish_consent: bool = False,
    client_ip: str | None = None,
    channel: str = Channel.ONLINE,
    registered_by=None,
    received_on: datetime.date | None = None,
) -> Letter:
    """A new letter (checked by the form or serializer), received today (or, registered by
    the office, on the day it arrived); the office is told."""
    if kind not in Kind.values or channel not in Channel.values:
        raise ValidationError(_("Choose a kind of letter."), code="invalid")
    if registered_by is not None and not can_handle(registered_by):
        raise PermissionDenied(_("Only the office registers letters received by phone or post."))
    phone = normalise_phone(phone)
    if not 7 <= len(phone) <= 15:
        raise ValidationError(_("Enter a phone number we can reach you at."), code="phone")
    today = timezone.localdate()
    if received_on is None or registered_by is None:
        received_on = today
    if received_on > today:
        raise ValidationError(_("A letter cannot arrive in the future."), code="received_on")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                letter = Letter.objects.create(
                    kind=kind,
                    subject=subject.strip(),
                    body=body.strip(),
                    name=name.strip(),
                    phone=phone,
                    email=email.strip(),
                    publish_consent=publish_consent,
                    client_ip=client_ip,
                    channel=channel,
                    registered_by=registered_by,
                    query_code=_new_code(),
                    received_on=received_on,
                    **deadlines.compute(kind, received_on),
                )
                break
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    else:  # pragma: no cover - 31^10 codes
        raise RuntimeError("no free query code")
    with transaction.atomic():
        _record(registered_by, letter, Event.Type.SUBMITTED, letter.get_channel_display())
        _tell(office_people(), _("New letter: %(subject)s") % {"subject": letter.subject}, letter)
    return letter


def lookup(code: str, phone: str) -> Letter | None:
    """The letter with this query code whose writer has this phone number, or None."""
    code, phone = normalise_code(code), normalise_phone(phone)
    if not code or not phone:
        return None
    return Letter.objects.filter(query_code=code, phone=phone).first()


def rate(letter: Letter, rating: int, comment: str = "") -> Letter:
    """The writer's satisfaction with the answer, once."""
    if rating not in Rating.values:
        raise ValidationError(_("Choose how satisfied you are."), code="invalid")
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.ANSWERED)
        if letter.rating is not None:
            raise ValidationError(_("You have already rated this answer."), code="rated")
        letter.rating, letter.rating_comment = rating, comment.strip()[:500]
        letter.rated_at = timezone.now()
        letter.save(update_fields=["rating", "rating_comment", "rated_at"])
        _record(None, letter, Event.Type.RATED, letter.get_rating_display())
    return letter


# --- the office and the department ----------------------------------------------------------


def _department(unit: OrgUnit | None) -> OrgUnit:
    if unit is None or unit.kind != OrgUnit.Kind.DEPARTMENT:
        raise ValidationError(_("Choose a department of the bureau."), code="department")
    return unit


def accept(actor, letter: Letter, department: OrgUnit | None = None) -> Letter:
    """Accept the letter; with a department, dispatch it there at once."""
    _require(can_handle(actor))
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.RECEIVED)
        letter.state = State.ACCEPTED
        letter.save(update_fields=["state"])
        _record(actor, letter, Event.Type.ACCEPTED, changes={"state": ["received", "accepted"]})
        if department is not None:
            letter = _dispatch(actor, letter, department)
    return letter


def reject(actor, letter: Letter, reason: str) -> Letter:
    """Not accepted, with a reason the writer sees when looking the letter up."""
    _require(can_handle(actor))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the letter is not accepted."), code="reason")
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.RECEIVED, State.ACCEPTED)
        before = letter.state
        letter.state, letter.reject_reason = State.REJECTED, reason
        letter.save(update_fields=["state", "reject_reason"])
        _record(actor, letter, Event.Type.REJECTED, reason, {"state": [before, "rejected"]})
    return letter


def _dispatch(actor, letter: Letter, department: OrgUnit) -> Letter:
    before = letter.state
    letter.department = _department(department)
    letter.state = State.DISPATCHED
    letter.save(update_fields=["department", "state"])
    _record(
        actor,
        letter,
        Event.Type.DISPATCHED,
        department.name,
        {"state": [before, "dispatched"], "department": [None, department.name]},
    )
    _tell(
        department_people(letter),
        _("A letter for your department: %(subject)s") % {"subject": letter.subject},
        letter,
    )
    return letter


def dispatch(actor, letter: Letter, department: OrgUnit) -> Letter:
    """Send the letter to a department (or to another one, while it has no answer)."""
    _require(can_handle(actor))
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.ACCEPTED, State.DISPATCHED)
        return _dispatch(actor, letter, department)


def draft(actor, letter: Letter, answer: str) -> Letter:
    """The department's answer, for the office to approve."""
    _require(can_reply(actor, letter))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("Write the answer first."), code="answer")
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.DISPATCHED)
        letter.answer, letter.drafted_by, letter.state = answer, actor, State.DRAFTED
        letter.save(update_fields=["answer", "drafted_by", "state"])
        _record(actor, letter, Event.Type.DRAFTED, changes={"state": ["dispatched", "drafted"]})
        _tell(
            office_people(exclude={actor.pk}),
            _("An answer awaits approval: %(subject)s") % {"subject": letter.subject},
            letter,
        )
    return letter


def return_answer(actor, letter: Letter, note: str) -> Letter:
    """Back to the department, with what to change."""
    _require(can_handle(actor))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say what the department should change."), code="note")
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.DRAFTED)
        letter.state, letter.return_note = State.DISPATCHED, note
        letter.save(update_fields=["state", "return_note"])
        _record(actor, letter, Event.Type.RETURNED, note, {"state": ["drafted", "dispatched"]})
        _tell(
            department_people(letter),
            _("The office returned your answer: %(subject)s") % {"subject": letter.subject},
            letter,
        )
    return letter


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Mobile and landline numbers, ID card numbers: runs of 7 or more digits (spaces, dashes).
_DIGITS_RE = re.compile(r"\+?\d[\d -]{5,}\d[\dXx]?")


def scrub(text: str, letter: Letter) -> str:
    """``text`` without the writer's name, phone, e-mail or any number or address that
    looks like contact data (a published answer names nobody)."""
    text = _EMAIL_RE.sub("***", text or "")
    text = _DIGITS_RE.sub("***", text)
    for value in (letter.name, letter.email, letter.phone):
        value = (value or "").strip()
        if len(value) >= 2:
            text = text.replace(value, "***")
    return text


def approve(
    actor,
    letter: Letter,
    *,
    method: str,
    answer: str | None = None,
    publish: bool = False,
    public_question: str = "",
    public_answer: str = "",
) -> Letter:
    """Approve the department's answer (the office may polish it) and give it to the
    writer: by e-mail or SMS after commit, or recorded as given by phone. Published as
    热点问答 when the writer allowed it and the office chooses to, without the writer's
    details."""
    _require(can_handle(actor))
    if method not in AnswerMethod.values:
        raise ValidationError(_("Choose how the answer reaches the writer."), code="method")
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, State.DRAFTED)
        if method == AnswerMethod.EMAIL and not letter.email:
            raise ValidationError(_("The writer gave no e-mail address."), code="method")
        if publish and not letter.publish_consent:
            raise ValidationError(
                _("The writer did not allow the answer to be published."), code="consent"
            )
        if answer is not None and answer.strip():
            letter.answer = answer.strip()
        now = timezone.now()
        letter.state, letter.approved_by = State.ANSWERED, actor
        letter.answer_method, letter.answered_at = method, now
        fields = ["answer", "state", "approved_by", "answer_method", "answered_at"]
        if publish:
            letter.public_subject = scrub(letter.subject, letter)[:100]
            letter.public_question = scrub(public_question.strip() or letter.body, letter)
            letter.public_answer = scrub(public_answer.strip() or letter.answer, letter)
            letter.published_at = now
            fields += ["public_subject", "public_question", "public_answer", "published_at"]
        letter.save(update_fields=fields)
        _record(actor, letter, Event.Type.APPROVED, changes={"state": ["drafted", "answered"]})
        if method == AnswerMethod.PHONE:
            _record(actor, letter, Event.Type.SENT, letter.get_answer_method_display())
        else:
            from edu_portal.interaction.tasks import send_answer

            letter_id = letter.pk
            transaction.on_commit(lambda: send_answer.delay(letter_id))
        if publish:
            _record(actor, letter, Event.Type.PUBLISHED)
            from edu_portal.interaction.portal import published

            published(letter)
        _tell(
            department_people(letter, exclude={actor.pk}),
            _("The answer was approved: %(subject)s") % {"subject": letter.subject},
            letter,
        )
    return letter


def extend(actor, letter: Letter, days: int, reason: str) -> Letter:
    """More working days for an open letter, approved by the office (the approver and the
    reason in the history)."""
    _require(can_handle(actor))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the deadline is extended."), code="reason")
    if not 1 <= days <= settings.LETTER_MAX_EXTENSION_DAYS:
        raise ValidationError(
            _("An extension is 1 to %(max)s working days.")
            % {"max": settings.LETTER_MAX_EXTENSION_DAYS},
            code="days",
        )
    with transaction.atomic():
        letter = _locked(letter)
        _require_state(letter, *OPEN_STATES)
        before = letter.due_on
        letter.extension_days += days
        for field, value in deadlines.compute(
            letter.kind, letter.received_on, letter.extension_days
        ).items():
            setattr(letter, field, value)
        letter.save(update_fields=["extension_days", "due_on", "due_provisional", "due_steps"])
        note = _("%(days)s working days: %(reason)s") % {"days": days, "reason": reason}
        _record(
            actor,
            letter,
            Event.Type.EXTENDED,
            note,
            {"due_on": [str(before), str(letter.due_on)]},
        )
    return letter


def recompute_open(years: set[int] | None = None) -> int:
    """After a change to the calendar: recompute the due dates of open letters, audit each
    that moved. Returns how many moved."""
    moved = 0
    with actor_context(None):
        for letter in Letter.objects.filter(state__in=OPEN_STATES).order_by("pk"):
            fields = deadlines.compute(letter.kind, letter.received_on, letter.extension_days)
            if (fields["due_on"], fields["due_provisional"]) == (
                letter.due_on,
                letter.due_provisional,
            ):
                continue
            with transaction.atomic():
                before = letter.due_on
                Letter.objects.filter(pk=letter.pk).update(**fields)
                letter.due_on = fields["due_on"]
                _record(
                    None,
                    letter,
                    Event.Type.RECOMPUTED,
                    _("The official calendar changed."),
                    {"due_on": [str(before), str(fields["due_on"])]},
                )
            moved += 1
    return moved


def reveal(viewer, letter: Letter, where: str) -> None:
    """Record that ``viewer`` saw the writer's details in full (an ACCESS audit entry)."""
    from auditlog.models import LogEntry

    _require(can_view(viewer, letter))
    with actor_context(viewer):
        LogEntry.objects.log_create(
            letter,
            action=LogEntry.Action.ACCESS,
            changes={field: ["masked", "shown in full"] for field in ("name", "phone", "email")},
            additional_data={"where": where},
            force_log=True,
        )
