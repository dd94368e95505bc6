"""Permissions scoped to the org tree.

A role held at an org unit grants its permissions (roles.ROLE_PERMISSIONS) at that unit and
everything below it: a school administrator of 城南小学 manages its grades and classes, not
another school. Superusers have every permission everywhere.

Usage::

    has_perm(user, "users.manage", school)   # at this unit (or above it)
    has_perm(user, "content.review")         # held anywhere
    Resource.objects.filter(scope_q(user, "resource.view"))

The user's grants are read once per user object and cached on it; call
:func:`clear_cache` after changing someone's roles in the same request.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from edu_portal.accounts.models import OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import ALL, ROLE_PERMISSIONS, role_grants

_CACHE_ATTR = "_scoped_grants"


def _grants(user) -> list[tuple[str, str]]:
    """(role, org unit path) pairs the user holds, cached on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "org_unit__path")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def clear_cache(user) -> None:
    """Forget the cached grants (after assigning or revoking a role of ``user``)."""
    for attr in (_CACHE_ATTR, "_role_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_perm(user, perm: str, org_unit: OrgUnit | None = None) -> bool:
    """May ``user`` do ``perm`` at ``org_unit`` (or anywhere, when it is None)?

    ``perm`` may be roles.ALL ("*") to ask whether the user holds a role that grants
    everything there (a bureau administrator).
    """
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    for role, path in _grants(user):
        if role_grants(role, perm) and (org_unit is None or org_unit.path.startswith(path)):
            return True
    return False


def is_bureau_admin(user) -> bool:
    """Holds a role granting everything at a top-level unit, or is a superuser."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return any(
        role_grants(role, ALL) and len(path) == OrgUnit.steplen for role, path in _grants(user)
    )


def perm_paths(user, perm: str) -> list[str] | None:
    """Paths of the units where ``perm`` is held (None means everywhere: a superuser)."""
    if not _active(user):
        return []
    if user.is_superuser:
        return None
    return sorted({path for role, path in _grants(user) if role_grants(role, perm)})


def scope_q(user, perm: str, field: str = "org_unit") -> Q:
    """A filter for objects whose ``field`` (a ForeignKey to OrgUnit) lies in the user's scope.

    ``field`` may also be ``""`` to filter OrgUnit itself.
    """
    paths = perm_paths(user, perm)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    query = Q()
    for path in paths:
        query |= Q(**{lookup: path})
    return query


def manages_everyone(user) -> bool:
    """Superusers and bureau administrators see and manage every account."""
    return is_bureau_admin(user)


def _under_q(paths) -> Q:
    """Members of, or role holders at, the units at ``paths`` or below them."""
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(org_unit__path__startswith=path)
        query |= Q(role_assignments__org_unit__path__startswith=path)
    return query


def users_under(paths):
    """The accounts belonging to the units at ``paths`` (members or role holders there or
    below), each once."""
    return User.objects.filter(pk__in=User.objects.filter(_under_q(paths)).values("pk"))


def users_q(user, perm: str = "users.manage") -> Q:
    """A filter for the accounts ``user`` may look up and manage: members of, or role
    holders at, a unit where ``user`` holds ``perm`` (or below it). Needs ``.distinct()``."""
    if manages_everyone(user):
        return Q()
    return _under_q(perm_paths(user, perm) or [])


def manageable_users(user, perm: str = "users.manage"):
    """The accounts ``user`` may look up (admin lists and autocomplete, the API)."""
    if manages_everyone(user):
        return User.objects.all()
    return users_under(perm_paths(user, perm) or [])


def can_see_user(actor, other) -> bool:
    return manageable_users(actor).filter(pk=other.pk).exists()


def units_with_perm(user, perm: str):
    """The org units (with their descendants) where ``user`` holds ``perm``."""
    return OrgUnit.objects.filter(scope_q(user, perm, field=""))


def users_with_perm(perm: str, org_unit: OrgUnit):
    """The active users holding ``perm`` at ``org_unit``: by a role assigned at that unit or
    at one of its ancestors (the inverse of :func:`has_perm`). Superusers are left out
    unless they also hold such a role: they have every permission everywhere, and telling
    them about every school's business would bury what concerns them."""
    roles = [role for role in ROLE_PERMISSIONS if role_grants(role, perm)]
    holders = RoleAssignment.objects.filter(role__in=roles, org_unit__path__in=_ancestors(org_unit))
    return User.objects.filter(is_active=True, pk__in=holders.values("user_id")).order_by("pk")


def _ancestors(org_unit: OrgUnit) -> list[str]:
    step = OrgUnit.steplen
    return [org_unit.path[:end] for end in range(step, len(org_unit.path) + 1, step)]


def nearest_holders(perm: str, org_unit: OrgUnit, exclude: set | None = None) -> list[User]:
    """The active users whose role names ``perm`` itself (not "everything") at the unit
    closest to ``org_unit``: a school's own reviewers when it has any, else the office
    above it. Falls back to :func:`users_with_perm` (bureau administrators) when nobody
    holds such a role, so a one-person bureau still hears of its work. For telling people
    about work to do: everyone with scope may act, but only the nearest are asked.
    ``exclude`` (user ids, e.g. the author) are left out before choosing the nearest."""
    exclude = {pk for pk in (exclude or ()) if pk is not None}
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    rows = (
        RoleAssignment.objects.filter(
            role__in=roles, org_unit__path__in=_ancestors(org_unit), user__is_active=True
        )
        .exclude(user_id__in=exclude)
        .values_list("user_id", "org_unit__path")
    )
    if not rows:
        return list(users_with_perm(perm, org_unit).exclude(pk__in=exclude))
    deepest = max(len(path) for _user, path in rows)
    ids = {user for user, path in rows if len(path) == deepest}
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


# --- Django REST framework ------------------------------------------------------------------


class ScopedPermission(BasePermission):
    """DRF permission: ``perm`` held anywhere for the view, at ``obj.org_unit`` for objects.

    Subclass with ``perm = "..."`` or use :func:`require_perm`.
    """

    perm: str = ""
    message = _("Your account is not allowed to do this. Ask your administrator if you need to.")

    def has_permission(self, request, view) -> bool:
        return has_perm(request.user, self.perm)

    def has_object_permission(self, request, view, obj) -> bool:
        unit = obj if isinstance(obj, OrgUnit) else getattr(obj, "org_unit", None)
        return has_perm(request.user, self.perm, unit)


def require_perm(perm: str) -> type[ScopedPermission]:
    """``permission_classes = [require_perm("users.manage")]``."""
    return type(f"Require_{perm.replace('.', '_')}", (ScopedPermission,), {"perm": perm})


class IsBureauAdmin(BasePermission):
    message = _("Only bureau administrators can see this.")

    def has_permission(self, request, view) -> bool:
        return is_bureau_admin(request.user)
