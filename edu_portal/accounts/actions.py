"""The action layer for accounts: every change to accounts data outside the admin.

Each action checks that the actor may do it (raising PermissionDenied with a sentence that
says why), validates (ValidationError), changes the data in one transaction and leaves an
audit event naming the actor (django-auditlog; the client address comes from the request
when there is one). Views stay thin: they parse input, call one action, render the result.

``actor`` is the user asking, or :data:`SYSTEM` for the platform itself (management
commands such as ``seed_demo``), which passes every permission check. Never pass SYSTEM on
behalf of a person.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from edu_portal.accounts import audit, login_guard, permissions
from edu_portal.accounts.models import GuardianLink, OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import ROLE_PERMISSIONS, ROLE_UNIT_KINDS, Role


class _System:
    """The platform acting on its own behalf."""

    is_authenticated = False
    pk = None

    def __str__(self) -> str:
        return "system"


SYSTEM = _System()

# No look-alike characters (0/O/o, 1/l/I/i), so a password read off a screen or a printed
# sheet can be typed.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105  (an alphabet, not a password)


def random_password(length: int = 16, user: User | None = None) -> str:
    """A random initial password with a lower-case and an upper-case letter and a digit;
    with ``user``, one the password validators accept for that account (a random string
    can, rarely, share enough letters with a long account name to count as similar)."""
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if not (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            continue
        if user is not None:
            try:
                validate_password(password, user)
            except ValidationError:
                continue
        return password


def _kind_label(kind: str | None) -> str:
    if kind is None:
        return _("top level")
    try:
        return str(OrgUnit.Kind(kind).label)
    except ValueError:
        return kind


def _require(actor, perm: str, unit: OrgUnit | None, message: str) -> None:
    if actor is SYSTEM:
        return
    if not permissions.has_perm(actor, perm, unit):
        raise PermissionDenied(message)


def _audited(actor):
    """Audit as ``actor`` (keeping the request's client address when inside a request)."""
    return audit.actor_context(None if actor is SYSTEM else actor)


def can_manage_user(actor, user: User) -> bool:
    """May ``actor`` manage ``user``: users.manage over every unit the user belongs to (their
    unit and role units; so a guardian with children in two schools is managed by neither
    school alone)."""
    if actor is SYSTEM:
        return True
    units = [ra.org_unit for ra in user.role_assignments.select_related("org_unit")]
    if user.org_unit is not None:
        units.append(user.org_unit)
    if not units:
        # Nobody's scope covers an unattached account except someone who manages it all.
        return permissions.is_bureau_admin(actor)
    return all(permissions.has_perm(actor, "users.manage", unit) for unit in units)


# --- the org tree ----------------------------------------------------------------------------


def validate_placement(kind: str, parent: OrgUnit | None, name: str = "") -> None:
    """Raise ValidationError unless a unit of ``kind`` may sit directly under ``parent``."""
    if kind not in OrgUnit.Kind.values:
        raise ValidationError(
            {
                "kind": _(
                    "“%(kind)s” is not a kind of organisation unit. Choose one of: %(kinds)s."
                )
                % {"kind": kind, "kinds": ", ".join(str(k.label) for k in OrgUnit.Kind)}
            },
            code="invalid_kind",
        )
    allowed = OrgUnit.ALLOWED_PARENTS[kind]
    parent_kind = parent.kind if parent is not None else None
    if parent_kind in allowed:
        return
    subject = name or _kind_label(kind)
    if parent is None:
        message = _(
            "“%(name)s” (%(kind)s) cannot be a top-level unit. It must be placed under: "
            "%(allowed)s."
        )
    elif allowed == (None,):
        message = _(
            "“%(name)s” (%(kind)s) is a top-level unit and cannot be placed under “%(parent)s”."
        )
    else:
        message = _(
            "“%(name)s” (%(kind)s) cannot be placed under “%(parent)s” (%(parent_kind)s). "
            "It must be placed under: %(allowed)s."
        )
    raise ValidationError(
        message
        % {
            "name": subject,
            "kind": _kind_label(kind),
            "parent": parent,
            "parent_kind": _kind_label(parent_kind),
            "allowed": ", ".join(_kind_label(k) for k in allowed if k is not None),
        },
        code="invalid_parent",
    )


def validate_kind_change(unit: OrgUnit, new_kind: str) -> None:
    """A unit may change kind only if its parent and its children still fit around it."""
    validate_placement(new_kind, unit.get_parent(), unit.name)
    validate_children_fit(unit, new_kind)


def validate_children_fit(unit: OrgUnit, new_kind: str) -> None:
    for child in unit.get_children():
        if new_kind not in OrgUnit.ALLOWED_PARENTS[child.kind]:
            raise ValidationError(
                _(
                    "“%(name)s” cannot change to %(kind)s: it contains “%(child)s” "
                    "(%(child_kind)s), which does not belong under that kind of unit."
                )
                % {
                    "name": unit.name,
                    "kind": _kind_label(new_kind),
                    "child": child.name,
                    "child_kind": _kind_label(child.kind),
                },
                code="invalid_kind_change",
            )


def create_org_unit(
    actor,
    parent: OrgUnit | None,
    kind: str,
    name: str,
    code: str,
    *,
    phone: str = "",
    duties: str = "",
    address: str = "",
    head: str = "",
) -> OrgUnit:
    """Add a unit under ``parent`` (None: a new top-level bureau)."""
    if parent is None:
        if actor is not SYSTEM and not permissions.is_bureau_admin(actor):
            raise PermissionDenied(
                _("Only a bureau administrator can create a top-level organisation unit.")
            )
    else:
        _require(
            actor,
            "org.manage",
            parent,
            _("You cannot add units under “%(parent)s”: it is outside the units you manage.")
            % {"parent": parent},
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Please give the unit a name.")}, code="required")
    validate_placement(kind, parent, name)
    unit = OrgUnit(
        kind=kind, name=name, code=code, phone=phone, duties=duties, address=address, head=head
    )
    unit.full_clean(exclude=["path", "depth", "numchild"])
    with transaction.atomic(), _audited(actor):
        if parent is None:
            return OrgUnit.add_root(instance=unit)
        # Re-read the parent: an instance held by the caller may have a stale path.
        parent = OrgUnit.objects.get(pk=parent.pk)
        return parent.add_child(instance=unit)


def move_org_unit(actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Move ``unit`` (with everything below it) under ``new_parent``."""
    message = _("You cannot move “%(unit)s” there: it is outside the units you manage.") % {
        "unit": unit
    }
    _require(actor, "org.manage", unit, message)
    _require(actor, "org.manage", new_parent, message)
    unit = OrgUnit.objects.get(pk=unit.pk)
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    if new_parent.pk == unit.pk or unit.contains(new_parent):
        raise ValidationError(
            _("“%(unit)s” cannot be moved under itself or one of its own units.") % {"unit": unit},
            code="invalid_move",
        )
    validate_placement(unit.kind, new_parent, unit.name)
    old_parent = unit.get_parent()
    if old_parent is not None and old_parent.pk == new_parent.pk:
        return unit
    with transaction.atomic(), _audited(actor):
        unit.move(new_parent, pos="sorted-child")
        unit.refresh_from_db()
        # The tree columns are not audited (they churn on every insert), so say it plainly.
        audit.log_event(unit, {"parent": [str(old_parent or "—"), str(new_parent)]})
    return unit


# --- roles -----------------------------------------------------------------------------------


def _check_can_grant(actor, role: str, org_unit: OrgUnit, *, revoking: bool = False) -> None:
    if actor is SYSTEM:
        return
    context = {"role": Role(role).label, "unit": org_unit}
    if not permissions.has_perm(actor, "users.manage", org_unit):
        if revoking:
            message = _(
                "You cannot remove roles at “%(unit)s”: you manage users only within your "
                "own organisation unit."
            )
        else:
            message = _(
                "You cannot give roles at “%(unit)s”: you manage users only within your "
                "own organisation unit."
            )
        raise PermissionDenied(message % context)
    # Nobody hands out more than they hold: a school administrator cannot make someone a
    # bureau administrator of their school (nor take that role away).
    for perm in ROLE_PERMISSIONS.get(role, ()):
        if not permissions.has_perm(actor, perm, org_unit):
            if revoking:
                message = _(
                    "You cannot remove the role “%(role)s” at “%(unit)s”: it carries "
                    "permissions you do not have there."
                )
            else:
                message = _(
                    "You cannot give the role “%(role)s” at “%(unit)s”: it carries "
                    "permissions you do not have there."
                )
            raise PermissionDenied(message % context)


def _validate_role_name(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(
            _("“%(role)s” is not a role. Choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(str(r.label) for r in Role)},
            code="invalid_role",
        )


def _validate_role_unit(role: str, org_unit: OrgUnit) -> None:
    kinds = ROLE_UNIT_KINDS.get(role)
    if kinds and org_unit.kind not in kinds:
        raise ValidationError(
            _(
                "The role “%(role)s” cannot be held at “%(unit)s” (%(unit_kind)s). It is held "
                "at: %(kinds)s."
            )
            % {
                "role": Role(role).label,
                "unit": org_unit,
                "unit_kind": _kind_label(org_unit.kind),
                "kinds": ", ".join(_kind_label(k) for k in OrgUnit.Kind.values if k in kinds),
            },
            code="invalid_role_unit",
        )


def check_can_assign(actor, user: User | None, role: str, org_unit: OrgUnit) -> None:
    """Raise unless ``actor`` may give ``user`` the ``role`` at ``org_unit``: the unit is
    one they manage, the role carries nothing they lack there, and the user belongs to
    their units (``user`` None: an account being created in a unit already checked)."""
    _validate_role_name(role)
    _validate_role_unit(role, org_unit)
    _check_can_grant(actor, role, org_unit)
    if actor is SYSTEM or user is None or user.pk is None:
        return
    if not permissions.can_see_user(actor, user):
        # Not named: the refusal must not tell who holds an id in another unit.
        raise PermissionDenied(
            _(
                "You cannot give roles to this user: they are outside the units you manage. "
                "Ask an administrator of their unit."
            )
        )


def assign_role(actor, user: User, role: str, org_unit: OrgUnit) -> RoleAssignment:
    """Give ``user`` the ``role`` at ``org_unit`` (nothing changes if they already hold it)."""
    check_can_assign(actor, user, role, org_unit)
    with transaction.atomic(), _audited(actor):
        assignment, _created = RoleAssignment.objects.get_or_create(
            user=user,
            role=role,
            org_unit=org_unit,
            defaults={"granted_by": None if actor is SYSTEM else actor},
        )
    permissions.clear_cache(user)
    return assignment


def revoke_role(actor, user: User, role: str, org_unit: OrgUnit) -> bool:
    """Take the ``role`` at ``org_unit`` away from ``user``. False if they did not hold it."""
    _validate_role_name(role)
    _check_can_grant(actor, role, org_unit, revoking=True)
    with transaction.atomic(), _audited(actor):
        assignment = (
            RoleAssignment.objects.select_for_update()
            .filter(user=user, role=role, org_unit=org_unit)
            .first()
        )
        if assignment is None:
            return False
        if role == Role.BUREAU_ADMIN and not (
            RoleAssignment.objects.filter(role=Role.BUREAU_ADMIN, user__is_active=True)
            .exclude(pk=assignment.pk)
            .exists()
        ):
            raise ValidationError(
                _(
                    "%(user)s is the last bureau administrator. Make someone else a bureau "
                    "administrator first, so that the platform is never left without one."
                )
                % {"user": user},
                code="last_bureau_admin",
            )
        assignment.delete()
    permissions.clear_cache(user)
    return True


# --- users -------------------------------------------------------------------------------------


def create_user(
    actor,
    username: str,
    *,
    password: str | None = None,
    display_name: str = "",
    org_unit: OrgUnit | None = None,
    email: str = "",
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create an account in ``org_unit``. Without a password the account cannot sign in
    until one is set (``manage.py changepassword`` or the admin)."""
    if actor is not SYSTEM:
        if org_unit is None:
            if not permissions.is_bureau_admin(actor):
                raise PermissionDenied(
                    _("Only a bureau administrator can create an account outside any unit.")
                )
        else:
            _require(
                actor,
                "users.manage",
                org_unit,
                _("You cannot create accounts in “%(unit)s”: it is outside the units you manage.")
                % {"unit": org_unit},
            )
        if (is_staff or is_superuser) and not actor.is_superuser:
            raise PermissionDenied(
                _("Only a superuser can create accounts that may use the administration site.")
            )
    user = get_user_model()(
        username=username,
        display_name=display_name,
        org_unit=org_unit,
        email=email,
        phone=phone,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic(), _audited(actor):
        user.save()
    return user


def set_remote_access(actor, user: User, allowed: bool) -> User:
    """Let a staff member open intranet-only content from outside the intranet (or stop it)."""
    if not can_manage_user(actor, user):
        raise PermissionDenied(
            _(
                "You cannot change remote access for this user: they are outside the units "
                "you manage."
            )
        )
    permissions.clear_cache(user)
    if allowed and not user.is_staff_member:
        raise ValidationError(
            _(
                "Remote access can only be given to bureau or school staff. %(user)s holds no "
                "staff role; assign one first."
            )
            % {"user": user},
            code="not_staff",
        )
    if user.remote_access == allowed:
        return user
    with transaction.atomic(), _audited(actor):
        user.remote_access = allowed
        user.save(update_fields=["remote_access"])
    return user


def set_active(actor, user: User, active: bool) -> User:
    """Disable an account (it can no longer sign in) or enable it again."""
    if not can_manage_user(actor, user):
        raise PermissionDenied(
            _("You cannot change this account: it is outside the units you manage.")
        )
    if actor is not SYSTEM and user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot disable your own account."), code="self")
    if user.is_active == active:
        return user
    with transaction.atomic(), _audited(actor):
        user.is_active = active
        user.save(update_fields=["is_active"])
    return user


def unlock_login(actor, user: User) -> None:
    """Lift the lock after repeated failed sign-ins, before it runs out on its own."""
    if not can_manage_user(actor, user):
        raise PermissionDenied(
            _("You cannot unlock this account: it is outside the units you manage.")
        )
    with transaction.atomic(), _audited(actor):
        login_guard.unlock(user.get_username(), user)
        audit.log_event(user, {"sign_in_lock": ["locked", "unlocked"]})


# --- guardians and their children ------------------------------------------------------------


def _guardian_units(guardian: User) -> set[int]:
    """The classes (or other units) of the guardian's children."""
    return {
        unit_id
        for unit_id in User.objects.filter(guardian_links__guardian=guardian).values_list(
            "org_unit_id", flat=True
        )
        if unit_id is not None
    }


def sync_guardian_roles(guardian: User) -> None:
    """Hold the guardian role exactly at the units (classes) of the guardian's children.

    The role is derived data: GuardianLink says whose guardian someone is, the role lets
    unit-scoped features (a class's notices, the school's people lists) find the guardian.
    Call inside the caller's transaction and audit context.
    """
    wanted = _guardian_units(guardian)
    held = set(
        RoleAssignment.objects.filter(user=guardian, role=Role.GUARDIAN).values_list(
            "org_unit_id", flat=True
        )
    )
    for assignment in RoleAssignment.objects.filter(
        user=guardian, role=Role.GUARDIAN, org_unit_id__in=held - wanted
    ):
        assignment.delete()
    for unit_id in wanted - held:
        RoleAssignment.objects.create(user=guardian, role=Role.GUARDIAN, org_unit_id=unit_id)
    permissions.clear_cache(guardian)


def _require_student_managed(actor, student: User) -> None:
    if actor is SYSTEM:
        return
    unit = student.org_unit
    if unit is None or not permissions.has_perm(actor, "users.manage", unit):
        raise PermissionDenied(
            _(
                "You cannot change the guardians of this student: they are outside the units "
                "you manage."
            )
        )


def is_bureau_or_system(actor) -> bool:
    return actor is SYSTEM or permissions.is_bureau_admin(actor)


# The roles of ordinary accounts: a school administrator may reset, lock or link them (a
# teacher is often a parent at the same school).
ORDINARY_ROLES = frozenset({Role.TEACHER, Role.STUDENT, Role.GUARDIAN})


def is_privileged_account(user: User) -> bool:
    """Superusers, Django staff and holders of an administrating or reviewing role: not a
    school administrator's to link as a guardian, reset, lock or rename."""
    if user.is_superuser or user.is_staff:
        return True
    roles = set(user.role_assignments.values_list("role", flat=True))
    return bool(roles - ORDINARY_ROLES)


def link_guardian(
    actor,
    guardian: User,
    student: User,
    relation: str,
    *,
    receives_notices: bool | None = None,
) -> GuardianLink:
    """Link ``guardian`` to their child ``student`` (or change the link's relation and,
    when given, its notice flag). The actor must manage the student; the guardian may be
    an account of another school (a family with children in two schools)."""
    _require_student_managed(actor, student)
    if relation not in GuardianLink.Relation.values:
        raise ValidationError(
            {
                "relation": _("“%(relation)s” is not a relation. Choose one of: %(choices)s.")
                % {
                    "relation": relation,
                    "choices": ", ".join(str(c.label) for c in GuardianLink.Relation),
                }
            },
            code="invalid_relation",
        )
    if guardian.pk == student.pk:
        raise ValidationError(_("A student cannot be their own guardian."), code="self")
    if is_privileged_account(guardian) and not is_bureau_or_system(actor):
        # A school administrator who links an account also gets to manage it through the
        # link (reset, lock): an administrator's or reviewer's account named by a phone
        # number must not fall into another school's hands that way.
        raise ValidationError(
            _(
                "The account %(user)s belongs to an administrator or reviewer; only the "
                "bureau can link it to a pupil."
            )
            % {"user": guardian.get_username()},
            code="privileged_guardian",
        )
    if not student.role_assignments.filter(role=Role.STUDENT).exists():
        raise ValidationError(
            _("%(user)s is not a student: guardians are linked to students only.")
            % {"user": student},
            code="not_student",
        )
    with transaction.atomic(), _audited(actor):
        link = (
            GuardianLink.objects.select_for_update()
            .filter(guardian=guardian, student=student)
            .first()
        )
        if link is None:
            link = GuardianLink.objects.create(
                guardian=guardian,
                student=student,
                relation=relation,
                receives_notices=True if receives_notices is None else receives_notices,
            )
        else:
            changed = []
            if link.relation != relation:
                link.relation = relation
                changed.append("relation")
            if receives_notices is not None and link.receives_notices != receives_notices:
                link.receives_notices = receives_notices
                changed.append("receives_notices")
            if changed:
                link.save(update_fields=changed)
        sync_guardian_roles(guardian)
    return link


def unlink_guardian(actor, guardian: User, student: User) -> bool:
    """Remove the link between ``guardian`` and ``student``. False if there was none."""
    _require_student_managed(actor, student)
    with transaction.atomic(), _audited(actor):
        link = GuardianLink.objects.filter(guardian=guardian, student=student).first()
        if link is None:
            return False
        link.delete()
        sync_guardian_roles(guardian)
    return True
