"""Users for tests, made through the same action layer the portal uses."""

from __future__ import annotations

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User


def make_user(
    username: str,
    role: str | None = None,
    unit: OrgUnit | None = None,
    *,
    password: str | None = None,
    **fields,
) -> User:
    """A user holding ``role`` at ``unit``; hashed password only when one is given."""
    user = User.objects.create_user(username, password=password, org_unit=unit, **fields)
    if role is not None:
        actions.assign_role(SYSTEM, user, role, unit)
    return User.objects.get(pk=user.pk)
