"""Who may handle an application, its handling history, and who hears of it: the base of
the handling modules (``handling``, ``fees``, ``letters``, ``reminders``, ``board``,
``register``), which all import from here and never from each other in a circle.

* the office: "disclosure.handle" (assign, approve, return, fees, letters, archive);
* the department: "disclosure.answer" at the unit the case is assigned to (drafts; it sees
  only its own cases).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts import audit, permissions
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.disclosure.forms import HANDLE
from edu_portal.disclosure.models import Application, Step
from edu_portal.notifications.actions import notify_many
from edu_portal.notifications.models import Category

ANSWER = "disclosure.answer"


# --- who may ------------------------------------------------------------------------------


def is_office(user) -> bool:
    return permissions.has_perm(user, HANDLE)


def can_answer(user, application: Application) -> bool:
    unit = application.handler_unit
    return unit is not None and permissions.has_perm(user, ANSWER, unit)


def can_see(user, application: Application) -> bool:
    return is_office(user) or can_answer(user, application)


def visible_to(user) -> QuerySet[Application]:
    """The applications ``user`` may see: all for the office, the department's own for
    department staff, none for others."""
    if is_office(user):
        return Application.objects.all()
    if not permissions.has_perm(user, ANSWER):
        return Application.objects.none()
    return Application.objects.filter(permissions.scope_q(user, ANSWER, field="handler_unit"))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_office(user) -> None:
    _require(is_office(user), _("Only the disclosure office can do this."))


def _refuse(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def _require_open(application: Application) -> None:
    if application.is_closed:
        raise _refuse(_("This application is closed."), "closed")
    if application.received_on is None:
        raise _refuse(_("Confirm receipt first: the clock has not started."), "not_received")


# --- history and people ------------------------------------------------------------------


def record(actor, application: Application, kind: str, note: str = "", on=None) -> Step:
    """A handling step and its audit entry (in the caller's transaction)."""
    kind, note = str(kind), str(note)
    step = Step.objects.create(
        application=application,
        type=kind,
        on=on or timezone.localdate(),
        actor=actor,
        note=note,
    )
    with audit.actor_context(actor):
        audit.log_event(application, {"step": ["", kind], **({"note": ["", note]} if note else {})})
    return step


def staff_link(application: Application) -> str:
    return reverse("disclosure:detail", args=[application.pk])


def office_people(exclude: set | None = None) -> list[User]:
    root = OrgUnit.objects.filter(depth=1).order_by("path").first()
    return permissions.nearest_holders(HANDLE, root, exclude=exclude) if root else []


def department_people(application: Application, exclude: set | None = None) -> list[User]:
    """Whom to tell about a case's work: its handler when one is named, else the
    department's nearest holders of the answering permission."""
    if application.handler_id and application.handler.is_active:
        return [application.handler]
    if application.handler_unit is None:
        return []
    return permissions.nearest_holders(ANSWER, application.handler_unit, exclude=exclude)


def tell_after_commit(users, subject: str, application: Application) -> None:
    users = list(users)
    if not users:
        return
    link = staff_link(application)
    transaction.on_commit(
        lambda: notify_many(
            users, subject, "", link, category=Category.APPLICATION, target=application
        )
    )


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)
