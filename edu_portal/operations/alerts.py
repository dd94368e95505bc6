"""Telling the platform's administrators that an operations job needs them.

Administrators are the active holders of the bureau administrator role and the active
superusers: the people who can act on a failed backup or an altered page. Every alert goes
through the notification centre (bell, page, e-mail for those who chose it).
"""

from __future__ import annotations

from django.db.models import Q

from edu_portal.accounts.models import RoleAssignment, User
from edu_portal.accounts.roles import Role
from edu_portal.notifications.actions import notify_many
from edu_portal.notifications.models import Category


def administrators():
    admins = RoleAssignment.objects.filter(role=Role.BUREAU_ADMIN).values("user_id")
    return User.objects.filter(Q(pk__in=admins) | Q(is_superuser=True), is_active=True).order_by(
        "pk"
    )


def alert_administrators(subject: str, body: str = "", link: str = "") -> int:
    """Notify every administrator; ``link`` is site-relative. Returns how many were told."""
    return len(notify_many(administrators(), subject, body, link, category=Category.SYSTEM))
