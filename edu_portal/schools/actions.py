"""The school administration console's actions: grades and classes, people, roster import,
password resets, locks. Each checks that the actor manages the school (or the person),
changes the data in one transaction and leaves an audit event (see accounts.actions).

Passwords handed out here are random, returned once to the caller for the printed sheet,
and never stored in clear; the accounts are asked to choose their own at the next sign-in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from edu_portal.accounts import actions as account_actions
from edu_portal.accounts import audit, permissions
from edu_portal.accounts.models import GuardianLink, OrgUnit, RoleAssignment, StudentProfile, User
from edu_portal.accounts.roles import Role
from edu_portal.schools import roster

# Who the console creates and lists.
PERSON_KINDS = ("teacher", "student", "guardian")


def _may(actor, perm: str, unit: OrgUnit) -> bool:
    """The platform itself (``manage.py import_roster``) may; a person needs ``perm``."""
    return actor is account_actions.SYSTEM or permissions.has_perm(actor, perm, unit)


# --- scope -----------------------------------------------------------------------------------


def managed_schools(actor):
    """The schools where ``actor`` manages users (bureau administrators: every school)."""
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL).filter(
        permissions.scope_q(actor, "users.manage", field="")
    )


def school_of(unit: OrgUnit | None) -> OrgUnit | None:
    if unit is None:
        return None
    if unit.kind == OrgUnit.Kind.SCHOOL:
        return unit
    return unit.get_ancestors().filter(kind=OrgUnit.Kind.SCHOOL).first()


def school_people(school: OrgUnit):
    """Accounts belonging to ``school``: members of its units or role holders there."""
    return permissions.users_under([school.path])


def people_of_kind(school: OrgUnit, kind: str, unit: OrgUnit | None = None):
    role = {"teacher": Role.TEACHER, "student": Role.STUDENT, "guardian": Role.GUARDIAN}[kind]
    where = unit or school
    holders = RoleAssignment.objects.filter(role=role, org_unit__path__startswith=where.path)
    return User.objects.filter(pk__in=holders.values("user_id"))


def _require_unit(actor, unit: OrgUnit) -> None:
    if not permissions.has_perm(actor, "org.manage", unit):
        raise PermissionDenied(
            _("You cannot change “%(unit)s”: it is outside the units you manage.") % {"unit": unit}
        )


def _require_person(actor, user: User) -> None:
    if not account_actions.can_manage_user(actor, user):
        raise PermissionDenied(
            _(
                "You cannot change %(user)s: the account also belongs to units you do not "
                "manage (for example a guardian with children in another school). Ask the "
                "bureau administrator."
            )
            % {"user": user}
        )


# --- grades and classes ------------------------------------------------------------------------


def _new_code(parent: OrgUnit) -> str:
    return f"{parent.code}-{uuid.uuid4().hex[:8]}"[:60]


def create_unit(actor, parent: OrgUnit, name: str) -> OrgUnit:
    """A grade under a school, or a class under a grade."""
    kind = {OrgUnit.Kind.SCHOOL: OrgUnit.Kind.GRADE, OrgUnit.Kind.GRADE: OrgUnit.Kind.CLASS}.get(
        parent.kind
    )
    if kind is None:
        raise ValidationError(_("Grades go in a school and classes in a grade."))
    name = (name or "").strip()
    if name and parent.get_children().filter(name=name).exists():
        raise ValidationError(
            _("“%(parent)s” already has a unit called “%(name)s”.")
            % {"parent": parent, "name": name}
        )
    return account_actions.create_org_unit(actor, parent, kind, name, _new_code(parent))


def rename_unit(actor, unit: OrgUnit, name: str) -> OrgUnit:
    _require_unit(actor, unit)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Please give the unit a name."))
    if len(name) > 120:
        raise ValidationError(_("The name is longer than 120 characters."))
    parent = unit.get_parent()
    if parent.get_children().filter(name=name).exclude(pk=unit.pk).exists():
        raise ValidationError(
            _("“%(parent)s” already has a unit called “%(name)s”.")
            % {"parent": parent, "name": name}
        )
    if unit.name == name:
        return unit
    with transaction.atomic(), audit.actor_context(actor):
        unit.name = name
        unit.save(update_fields=["name"])
    return unit


def delete_unit(actor, unit: OrgUnit) -> None:
    """Delete an empty grade or class (no classes, members, roles or anything else in it)."""
    _require_unit(actor, unit)
    if unit.kind not in (OrgUnit.Kind.GRADE, OrgUnit.Kind.CLASS):
        raise ValidationError(_("Only grades and classes can be deleted here."))
    unit = OrgUnit.objects.get(pk=unit.pk)
    if unit.get_children().exists() or unit.members.exists() or unit.role_assignments.exists():
        raise ValidationError(
            _("“%(unit)s” is not empty: move or remove its classes, students and teachers first.")
            % {"unit": unit}
        )
    try:
        with transaction.atomic(), audit.actor_context(actor):
            unit.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("“%(unit)s” is still used (for example by resources) and cannot be deleted.")
            % {"unit": unit}
        ) from exc


# --- people --------------------------------------------------------------------------------


@dataclass
class Credential:
    user: User
    password: str

    @property
    def unit(self) -> OrgUnit | None:
        return self.user.org_unit


def _set_initial_password(user: User) -> str:
    password = account_actions.random_password(10, user=user)
    user.set_password(password)
    user.must_change_password = True
    return password


def _check_username(username: str, exclude: User | None = None) -> None:
    taken = User.objects.filter(username__iexact=username)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError(
            {"username": _("The account name “%(username)s” is taken.") % {"username": username}}
        )


def _check_number(school: OrgUnit, number: str, exclude: User | None = None) -> None:
    if not roster.NUMBER_RE.match(number or ""):
        raise ValidationError(
            {"student_number": _("A student number has letters and digits only, at most 32.")}
        )
    taken = StudentProfile.objects.filter(school=school, student_number=number)
    if exclude is not None:
        taken = taken.exclude(user=exclude)
    if taken.exists():
        raise ValidationError(
            {
                "student_number": _("Student number %(number)s is already used in this school.")
                % {"number": number}
            }
        )


def _check_phone(phone: str, required: bool) -> None:
    if not phone and not required:
        return
    if not roster.PHONE_RE.match(phone or ""):
        raise ValidationError({"phone": _("A mobile number has 11 digits and starts with 1.")})


def create_person(
    actor,
    school: OrgUnit,
    kind: str,
    *,
    display_name: str,
    username: str = "",
    phone: str = "",
    student_number: str = "",
    unit: OrgUnit | None = None,
    email: str = "",
) -> Credential:
    """A teacher (at the school or a class), a student (in a class, with a student number;
    account name school code + number) or a guardian (account name: their mobile number)."""
    if kind not in PERSON_KINDS:
        raise ValidationError(_("Choose teacher, student or guardian."))
    unit = unit or school
    if not unit.path.startswith(school.path):
        raise PermissionDenied(_("That class is not in this school."))
    if not _may(actor, "users.manage", unit):
        raise PermissionDenied(
            _("You cannot create accounts in “%(unit)s”: it is outside the units you manage.")
            % {"unit": unit}
        )
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationError({"display_name": _("Please give the person's name.")})
    phone = (phone or "").strip()
    if kind == "student":
        if unit.kind != OrgUnit.Kind.CLASS:
            raise ValidationError({"unit": _("Choose the student's class.")})
        _check_number(school, student_number)
        username = roster.student_username(school, student_number)
    elif kind == "guardian":
        _check_phone(phone, required=True)
        username = phone
        unit = school
    else:
        username = (username or "").strip()
        if not username:
            raise ValidationError({"username": _("Please give an account name.")})
    _check_phone(phone, required=False)
    _check_username(username)
    user = User(
        username=username, display_name=display_name, phone=phone, email=email, org_unit=unit
    )
    password = _set_initial_password(user)
    user.full_clean(exclude=["password"])
    with transaction.atomic(), audit.actor_context(actor):
        user.save()
        if kind == "student":
            StudentProfile.objects.create(user=user, school=school, student_number=student_number)
            account_actions.assign_role(actor, user, Role.STUDENT, unit)
        elif kind == "teacher":
            account_actions.assign_role(actor, user, Role.TEACHER, unit)
    return Credential(user, password)


def update_person(
    actor, school: OrgUnit, user: User, *, display_name: str, phone: str, student_number=None
) -> User:
    _require_ordinary_account(actor, user)
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationError({"display_name": _("Please give the person's name.")})
    phone = (phone or "").strip()
    _check_phone(phone, required=False)
    profile = getattr(user, "student_profile", None)
    if (
        profile is not None
        and student_number is not None
        and student_number != (profile.student_number)
    ):
        _check_number(school, student_number, exclude=user)
    with transaction.atomic(), audit.actor_context(actor):
        if (user.display_name, user.phone) != (display_name, phone):
            user.display_name, user.phone = display_name, phone
            user.save(update_fields=["display_name", "phone"])
        if profile is not None and student_number and student_number != profile.student_number:
            profile.student_number = student_number
            profile.save(update_fields=["student_number"])
    return user


def link_guardian_by_phone(
    actor,
    school: OrgUnit,
    student: User,
    phone: str,
    name: str,
    relation: str,
    *,
    receives_notices: bool | None = None,
) -> tuple[GuardianLink, bool]:
    """Link the account named by ``phone`` to ``student``, creating a guardian account
    when there is none; ``(link, created)``. One transaction: a refused link leaves no
    new account behind."""
    with transaction.atomic():
        guardian = User.objects.filter(username=phone).first()
        created = guardian is None
        if created:
            guardian = create_person(actor, school, "guardian", display_name=name, phone=phone).user
        link = account_actions.link_guardian(
            actor, guardian, student, relation, receives_notices=receives_notices
        )
    return link, created


def move_student(actor, student: User, new_class: OrgUnit) -> User:
    """Put a student in ``new_class`` (their role and their guardians' roles follow)."""
    _require_person(actor, student)
    if new_class.kind != OrgUnit.Kind.CLASS:
        raise ValidationError(_("Choose a class."))
    if not _may(actor, "users.manage", new_class):
        raise PermissionDenied(_("That class is outside the units you manage."))
    if student.org_unit_id == new_class.pk:
        return student
    with transaction.atomic(), audit.actor_context(actor):
        old = student.org_unit
        RoleAssignment.objects.filter(user=student, role=Role.STUDENT).delete()
        student.org_unit = new_class
        student.save(update_fields=["org_unit"])
        account_actions.assign_role(actor, student, Role.STUDENT, new_class)
        for guardian in User.objects.filter(children_links__student=student):
            account_actions.sync_guardian_roles(guardian)
        audit.log_event(student, {"class": [str(old or "—"), str(new_class)]})
    permissions.clear_cache(student)
    return student


def _require_ordinary_account(actor, user: User) -> None:
    """The console changes teachers', pupils' and guardians' accounts only: an
    administrator, reviewer or superuser who belongs to the school is not the school
    administrator's to lock, unlock or rename (the bureau administrator's only)."""
    _require_person(actor, user)
    if account_actions.is_bureau_or_system(actor):
        return
    if account_actions.is_privileged_account(user):
        raise PermissionDenied(
            _(
                "%(user)s is an administrator or reviewer: only the bureau administrator can "
                "change this account."
            )
            % {"user": user}
        )


def _check_resettable(actor, user: User) -> None:
    _require_person(actor, user)
    if actor.pk == user.pk:
        raise ValidationError(_("Change your own password on the password page."))
    if account_actions.is_privileged_account(user):
        raise PermissionDenied(
            _(
                "%(user)s is an administrator or reviewer: they reset their password by "
                "e-mail or through the bureau administrator."
            )
            % {"user": user}
        )


def reset_passwords(actor, users: list[User]) -> list[Credential]:
    """New random passwords for ``users`` (all or none), each to be changed at next sign-in."""
    for user in users:
        _check_resettable(actor, user)
    credentials = []
    with transaction.atomic(), audit.actor_context(actor):
        for user in users:
            password = _set_initial_password(user)
            user.save(update_fields=["password", "must_change_password"])
            # Sessions end with the password change (their hash no longer matches); API
            # tokens would not, so whoever held the old password loses them too.
            Token.objects.filter(user=user).delete()
            # The password itself is never audited; the reset is.
            audit.log_event(user, {"password": ["—", "reset by administrator"]})
            # A pupil who forgot the password has often locked the sign-in too.
            account_actions.unlock_login(actor, user)
            credentials.append(Credential(user, password))
    return credentials


def lock(actor, user: User) -> User:
    _require_ordinary_account(actor, user)
    return account_actions.set_active(actor, user, False)


def unlock(actor, user: User) -> User:
    """Enable the account and lift any sign-in lock after wrong passwords."""
    _require_ordinary_account(actor, user)
    with transaction.atomic():
        account_actions.set_active(actor, user, True)
        account_actions.unlock_login(actor, user)
    return user


def log_personal_data_access(actor, user: User) -> None:
    """A pupil's or guardian's personal data (phone, guardians) was shown to ``actor``."""
    with audit.actor_context(actor):
        audit.log_event(user, {}, action=LogEntry.Action.ACCESS)


# --- roster import ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    plan: roster.Plan
    credentials: list[Credential] = field(default_factory=list)


class RosterErrors(ValidationError):
    def __init__(self, plan: roster.Plan) -> None:
        super().__init__(_("The roster has errors; nothing was imported."))
        self.plan = plan


def import_roster(
    actor, school: OrgUnit, rows: list[roster.RosterRow], default_class: OrgUnit | None = None
) -> ImportResult:
    """Import checked roster rows: everything in one transaction, or nothing when any row
    has an error. Importing the same rows again changes nothing. New accounts get random
    initial passwords, returned once in the result."""
    if not _may(actor, "users.manage", school):
        raise PermissionDenied(_("You cannot import people into this school."))
    with transaction.atomic(), audit.actor_context(actor):
        # Planned again inside the transaction: the preview may be minutes old.
        plan = roster.plan_import(school, rows, default_class)
        if plan.errors:
            raise RosterErrors(plan)
        result = ImportResult(plan)
        students: dict[str, User] = {}
        for number, item in plan.students.items():
            if item.user is None:
                credential = create_person(
                    actor,
                    school,
                    "student",
                    display_name=item.name,
                    student_number=number,
                    unit=item.unit,
                )
                result.credentials.append(credential)
                students[number] = credential.user
                continue
            student = item.user
            if student.display_name != item.name:
                update_person(actor, school, student, display_name=item.name, phone=student.phone)
            if student.org_unit_id != item.unit.pk:
                move_student(actor, student, item.unit)
            students[number] = student
        guardians: dict[str, User] = {}
        for phone, item in plan.guardians.items():
            if item.user is None:
                credential = create_person(
                    actor, school, "guardian", display_name=item.name, phone=phone, email=item.email
                )
                result.credentials.append(credential)
                guardians[phone] = credential.user
                continue
            if item.action == "update":
                _set_guardian_email(actor, plan, item)
            guardians[phone] = item.user
        for (phone, number), link in plan.links.items():
            if link.action == "unchanged":
                continue
            # receives_notices is not in the file: a re-import never overrides the flag.
            account_actions.link_guardian(actor, guardians[phone], students[number], link.relation)
    return result


def _set_guardian_email(actor, plan: roster.Plan, item: roster.GuardianPlan) -> None:
    """The 邮箱 column's address for an existing guardian, if this school may change the
    account (not one shared with another school's pupils); else the import is refused."""
    if not account_actions.can_manage_user(actor, item.user):
        plan.errors.append(
            roster.RowError(
                item.line,
                roster.COLUMNS["email"],
                _(
                    "The e-mail address of %(phone)s cannot be changed here: the account "
                    "also belongs to another school. Leave the cell empty or ask the bureau."
                )
                % {"phone": item.phone},
            )
        )
        raise RosterErrors(plan)
    item.user.email = item.email
    item.user.save(update_fields=["email"])


def relation_choices():
    return GuardianLink.Relation.choices
