"""Handling an application: the office assigns it to a department, the department drafts
the reply, the office approves it (which records the ``replied`` clock event through
``actions.add_event``, so the due date, the API and the annual report stay one story) or
returns it with a comment; a closed case is archived. Each action checks, changes in one
transaction, records a step and an audit entry, and tells people after commit.

Who may do what:
* the office: "disclosure.handle" (assign, approve, return, fees, letters, archive);
* the department: "disclosure.answer" at the unit the case is assigned to (draft; it sees
  only its own cases).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts import audit, permissions
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.disclosure import actions, letters
from edu_portal.disclosure.casework import (  # noqa: F401 - the handling API in one place
    ANSWER,
    _locked,
    _refuse,
    _require,
    _require_office,
    _require_open,
    can_answer,
    can_see,
    department_people,
    is_office,
    office_people,
    record,
    staff_link,
    tell_after_commit,
    visible_to,
)
from edu_portal.disclosure.models import Application, ClockEvent, Draft, Outcome, ReplyType, Step

S = Application.State
T = ClockEvent.Type

# Which outcomes (Table 三's rows) go with which kind of reply (Art. 36). The two "other"
# outcomes of a lapsed correction or fee are recorded by the daily task, never drafted.
OC = Outcome
REPLY_OUTCOMES: dict[str, tuple[str, ...]] = {
    ReplyType.ALREADY_PUBLIC: (OC.DISCLOSE,),
    ReplyType.DISCLOSED: (OC.DISCLOSE, OC.PARTIAL),
    ReplyType.REFUSED: (
        OC.REFUSE_STATE_SECRET,
        OC.REFUSE_LAW,
        OC.REFUSE_SECURITY,
        OC.REFUSE_THIRD_PARTY,
        OC.REFUSE_INTERNAL,
        OC.REFUSE_PROCESS,
        OC.REFUSE_ENFORCEMENT,
        OC.REFUSE_QUERY,
    ),
    ReplyType.NOT_EXIST: (OC.UNAVAILABLE_NOT_HELD,),
    ReplyType.NOT_OURS: (OC.UNAVAILABLE_NOT_HELD,),
    ReplyType.REPEAT: (OC.REJECT_REPEAT,),
    ReplyType.SPECIAL_LAW: (OC.OTHER,),
    ReplyType.OTHER: (
        OC.UNAVAILABLE_NEEDS_CREATION,
        OC.UNAVAILABLE_UNCLEAR,
        OC.REJECT_PETITION,
        OC.REJECT_PUBLICATION,
        OC.REJECT_EXCESSIVE,
        OC.REJECT_CONFIRMATION,
        OC.OTHER,
    ),
}
DRAFTABLE_OUTCOMES = tuple(dict.fromkeys(o for group in REPLY_OUTCOMES.values() for o in group))


# --- assignment ---------------------------------------------------------------------------


def departments() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).order_by("path")


def assign(
    actor, application: Application, unit: OrgUnit, handler: User | None = None, note: str = ""
) -> Application:
    """The office gives the case to a department (and, optionally, a person in it)."""
    _require_office(actor)
    if unit is None or unit.kind != OrgUnit.Kind.DEPARTMENT:
        raise _refuse(_("Choose a department of the bureau."))
    if handler is not None and not (
        handler.is_active and permissions.has_perm(handler, ANSWER, unit)
    ):
        raise _refuse(_("The handler must be someone of that department who may draft replies."))
    with transaction.atomic():
        locked = _locked(application)
        _require_open(locked)
        if locked.drafts.filter(state=Draft.State.PENDING).exists():
            raise _refuse(_("A draft reply awaits approval: approve or return it first."))
        before = (locked.handler_unit_id, locked.handler_id)
        locked.handler_unit, locked.handler = unit, handler
        if before == (unit.pk, handler.pk if handler else None):
            return locked
        with audit.actor_context(actor):
            locked.save(update_fields=["handler_unit", "handler", "updated_at"])
        who = unit.name + (f" / {handler}" if handler else "")
        record(actor, locked, Step.Type.ASSIGNED, " — ".join(filter(None, [who, note])))
        tell_after_commit(
            department_people(locked, exclude={actor.pk}),
            _("An application for information to answer, due %(due)s")
            % {"due": locked.due_on.isoformat() if locked.due_on else "—"},
            locked,
        )
    return locked


# --- drafts -------------------------------------------------------------------------------


def check_reply(reply_type: str, outcome: str) -> None:
    if reply_type not in ReplyType.values:
        raise _refuse(_("Choose the kind of reply."))
    if outcome not in REPLY_OUTCOMES[reply_type]:
        raise _refuse(_("This outcome does not go with that kind of reply."))


def submit_draft(
    actor, application: Application, reply_type: str, outcome: str, text: str
) -> Draft:
    """The department's reply, for the office to approve."""
    check_reply(reply_type, outcome)
    text = (text or "").strip()
    if len(text) < 10:
        raise _refuse(_("Write the reply (at least 10 characters)."))
    with transaction.atomic():
        locked = _locked(application)
        _require(
            can_answer(actor, locked),
            _("Only the department the application is assigned to can draft its reply."),
        )
        _require_open(locked)
        try:
            with transaction.atomic():
                draft = Draft.objects.create(
                    application=locked,
                    unit=locked.handler_unit,
                    author=actor,
                    reply_type=reply_type,
                    outcome=outcome,
                    text=text,
                )
        except IntegrityError:
            raise _refuse(_("A draft reply already awaits the office's approval.")) from None
        record(actor, locked, Step.Type.DRAFTED, ReplyType(reply_type).label)
        tell_after_commit(
            office_people(exclude={actor.pk}),
            _("A draft reply awaits your approval: %(code)s") % {"code": locked.query_code},
            locked,
        )
    return draft


def _pending(draft: Draft) -> Draft:
    locked = Draft.objects.select_for_update().select_related("application").get(pk=draft.pk)
    if locked.state != Draft.State.PENDING:
        raise _refuse(_("This draft has already been decided."), "decided")
    return locked


def return_draft(actor, draft: Draft, comment: str) -> Draft:
    """The office sends the draft back with what to change."""
    _require_office(actor)
    comment = (comment or "").strip()
    if not comment:
        raise _refuse(_("Say what the department should change."))
    with transaction.atomic():
        locked = _pending(draft)
        locked.state, locked.comment = Draft.State.RETURNED, comment
        locked.reviewer, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["state", "comment", "reviewer", "decided_at"])
        record(actor, locked.application, Step.Type.RETURNED, comment)
        people = [locked.author] if locked.author and locked.author.is_active else []
        tell_after_commit(
            people or department_people(locked.application),
            _("Your draft reply was returned: %(code)s") % {"code": locked.application.query_code},
            locked.application,
        )
    return locked


def approve_draft(actor, draft: Draft, on: dt.date | None = None) -> Draft:
    """The office approves the reply: the ``replied`` event is recorded with ``on`` (the
    day of the reply, today by default) and the outcome, the draft is final and the reply
    letter is generated (after commit)."""
    _require_office(actor)
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = _pending(draft)
        check_reply(locked.reply_type, locked.outcome)
        actions.add_event(
            actor,
            locked.application,
            T.REPLIED,
            on,
            outcome=locked.outcome,
            reply_text=locked.text,
        )
        locked.state, locked.reviewer, locked.decided_at = (
            Draft.State.APPROVED,
            actor,
            timezone.now(),
        )
        locked.save(update_fields=["state", "reviewer", "decided_at"])
        application = Application.objects.get(pk=locked.application_id)
        record(actor, application, Step.Type.APPROVED, Outcome(locked.outcome).label, on=on)
        letters.start(actor, application, locked)
        people = [locked.author] if locked.author and locked.author.is_active else []
        tell_after_commit(
            people,
            _("Your draft reply was approved: %(code)s") % {"code": application.query_code},
            application,
        )
    return locked


def approved_draft(application: Application) -> Draft | None:
    return application.drafts.filter(state=Draft.State.APPROVED).first()


# --- archive ------------------------------------------------------------------------------


def archive(actor, application: Application, note: str = "") -> Application:
    """归档: a closed case's file is complete (Art. 45)."""
    _require_office(actor)
    with transaction.atomic():
        locked = _locked(application)
        if not locked.is_closed:
            raise _refuse(_("Only a replied or abandoned application can be archived."))
        if locked.steps.filter(type=Step.Type.ARCHIVED).exists():
            raise _refuse(_("This application is already archived."))
        record(actor, locked, Step.Type.ARCHIVED, note)
    return locked
