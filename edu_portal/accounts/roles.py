"""Roles and the permissions each one carries.

Permissions are plain strings checked against the org unit an object belongs to: a role
held at a unit applies to that unit and everything below it in the tree.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    DEPARTMENT_EDITOR = "department_editor", _("Department editor")
    OFFICE_REVIEWER = "office_reviewer", _("Office reviewer")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    SCHOOL_REVIEWER = "school_reviewer", _("School reviewer")
    TEACHER = "teacher", _("Teacher")
    STUDENT = "student", _("Student")
    GUARDIAN = "guardian", _("Guardian")


ALL = "*"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset({ALL}),
    Role.DEPARTMENT_EDITOR: frozenset(
        {
            "content.create",
            "content.edit",
            "content.submit",
            "resource.upload",
            "resource.download",
            "resource.view",
            "mailbox.reply",
            "disclosure.answer",
        }
    ),
    Role.OFFICE_REVIEWER: frozenset(
        {
            "content.review",
            "content.publish",
            "content.edit",
            "resource.download",
            "resource.view",
            "mailbox.answer",
            "disclosure.handle",
        }
    ),
    Role.SCHOOL_ADMIN: frozenset(
        {
            "users.manage",
            "org.manage",
            "content.create",
            "content.edit",
            "content.submit",
            "resource.upload",
            "resource.download",
            "resource.view",
            "notice.send",
            # Teachers' uploads are reviewed in their school: by its administrator or a
            # school reviewer (the bureau office reviews everything as well).
            "content.review",
            "content.publish",
        }
    ),
    Role.SCHOOL_REVIEWER: frozenset(
        {
            "content.review",
            "content.publish",
            "resource.download",
            "resource.view",
        }
    ),
    Role.TEACHER: frozenset(
        {
            "content.create",
            "content.submit",
            "resource.upload",
            "resource.download",
            "resource.view",
            "notice.send",
        }
    ),
    Role.STUDENT: frozenset({"resource.view"}),
    Role.GUARDIAN: frozenset({"notice.receive"}),
}

# Roles whose holders are staff of the bureau or a school (as opposed to students and
# guardians): they may see `staff` resources and may be granted remote access.
STAFF_ROLES: frozenset[str] = frozenset(
    {
        Role.BUREAU_ADMIN,
        Role.DEPARTMENT_EDITOR,
        Role.OFFICE_REVIEWER,
        Role.SCHOOL_ADMIN,
        Role.SCHOOL_REVIEWER,
        Role.TEACHER,
    }
)


def role_grants(role: str, perm: str) -> bool:
    granted = ROLE_PERMISSIONS.get(role, frozenset())
    return ALL in granted or perm in granted


# Where in the org tree each role may be held (by OrgUnit.Kind value). Checked by
# actions.assign_role so that, say, a student role is never granted at the bureau.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset({"bureau"}),
    Role.DEPARTMENT_EDITOR: frozenset({"bureau", "department"}),
    # Held at the bureau root so that its scope covers every school and department; the
    # reviewer's membership (User.org_unit) stays the office department.
    Role.OFFICE_REVIEWER: frozenset({"bureau"}),
    Role.SCHOOL_ADMIN: frozenset({"school"}),
    Role.SCHOOL_REVIEWER: frozenset({"school"}),
    Role.TEACHER: frozenset({"school", "grade", "class"}),
    Role.STUDENT: frozenset({"school", "grade", "class"}),
    Role.GUARDIAN: frozenset({"school", "grade", "class"}),
}
