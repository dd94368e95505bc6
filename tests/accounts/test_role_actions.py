"""assign_role / revoke_role: checked against the actor's scope, validated, audited."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from edu_portal.accounts import actions
from edu_portal.accounts.models import RoleAssignment
from edu_portal.accounts.roles import Role

from .conftest import make_user


def _entries_for(model_name: str):
    return LogEntry.objects.filter(content_type__model=model_name).order_by("id")


def test_school_admin_assigns_inside_own_school(tree, school_admin):
    pupil = make_user("pupil", unit=tree.class_a)
    assignment = actions.assign_role(school_admin, pupil, Role.STUDENT, tree.class_a)
    assert assignment.granted_by == school_admin
    entry = _entries_for("roleassignment").last()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == school_admin
    assert entry.changes_dict["role"] == ["None", "student"]


def test_school_admin_cannot_assign_in_another_school(tree, school_admin):
    someone = make_user("someone", unit=tree.school_b)
    with pytest.raises(PermissionDenied) as excinfo:
        actions.assign_role(school_admin, someone, Role.TEACHER, tree.school_b)
    assert "You cannot give roles at “实验初级中学”" in str(excinfo.value)
    assert "own organisation unit" in str(excinfo.value)
    assert not RoleAssignment.objects.filter(user=someone).exists()


def test_school_admin_cannot_grant_at_the_bureau(tree, school_admin):
    someone = make_user("someone")
    with pytest.raises(PermissionDenied):
        actions.assign_role(school_admin, someone, Role.OFFICE_REVIEWER, tree.bureau)


def test_nobody_grants_more_than_they_hold(tree, school_admin, monkeypatch):
    # Suppose the bureau-admin role were allowed at a school: a school administrator
    # still could not hand it out, since it carries permissions they lack there.
    monkeypatch.setitem(actions.ROLE_UNIT_KINDS, Role.BUREAU_ADMIN, frozenset({"school"}))
    someone = make_user("someone", unit=tree.school_a)
    with pytest.raises(PermissionDenied) as excinfo:
        actions.assign_role(school_admin, someone, Role.BUREAU_ADMIN, tree.school_a)
    assert "carries permissions you do not have there" in str(excinfo.value)


def test_bureau_admin_assigns_anywhere(tree, plain_bureau_admin):
    someone = make_user("someone")
    for role, unit in [
        (Role.TEACHER, tree.school_b),
        (Role.SCHOOL_ADMIN, tree.school_a),
        (Role.OFFICE_REVIEWER, tree.bureau),
        (Role.BUREAU_ADMIN, tree.bureau),
    ]:
        actions.assign_role(plain_bureau_admin, someone, role, unit)
    assert someone.role_assignments.count() == 4


def test_teacher_cannot_assign(tree, teacher):
    someone = make_user("someone", unit=tree.class_a)
    with pytest.raises(PermissionDenied):
        actions.assign_role(teacher, someone, Role.STUDENT, tree.class_a)


def test_role_must_fit_the_unit(tree, plain_bureau_admin):
    someone = make_user("someone")
    with pytest.raises(ValidationError) as excinfo:
        actions.assign_role(plain_bureau_admin, someone, Role.STUDENT, tree.bureau)
    assert (
        "The role “Student” cannot be held at “示范县教育局” (Education bureau). "
        "It is held at: School, Grade, Class." in str(excinfo.value)
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.assign_role(plain_bureau_admin, someone, "wizard", tree.school_a)
    assert "is not a role" in str(excinfo.value)


def test_assigning_twice_changes_nothing(tree, school_admin):
    # In the school (issue 11: an account outside the admin's units may not be given roles).
    pupil = make_user("pupil", unit=tree.class_a)
    actions.assign_role(school_admin, pupil, Role.STUDENT, tree.class_a)
    count = LogEntry.objects.count()
    actions.assign_role(school_admin, pupil, Role.STUDENT, tree.class_a)
    assert LogEntry.objects.count() == count
    assert pupil.role_assignments.count() == 1


def test_new_role_takes_effect_on_the_same_user_object(tree, school_admin):
    from edu_portal.accounts.permissions import has_perm

    colleague = make_user("colleague", unit=tree.school_a)
    assert not has_perm(colleague, "resource.upload", tree.school_a)
    actions.assign_role(school_admin, colleague, Role.TEACHER, tree.school_a)
    assert has_perm(colleague, "resource.upload", tree.school_a)
    assert colleague.is_staff_member


def test_revoke_is_audited(tree, school_admin, teacher):
    assert actions.revoke_role(school_admin, teacher, Role.TEACHER, tree.school_a)
    assert not teacher.role_assignments.exists()
    entry = _entries_for("roleassignment").last()
    assert entry.action == LogEntry.Action.DELETE
    assert entry.actor == school_admin
    assert entry.changes_dict["role"] == ["teacher", "None"]
    assert not actions.revoke_role(school_admin, teacher, Role.TEACHER, tree.school_a)


def test_revoke_outside_scope_is_refused(tree, school_admin, teacher_b):
    with pytest.raises(PermissionDenied) as excinfo:
        actions.revoke_role(school_admin, teacher_b, Role.TEACHER, tree.school_b)
    assert "You cannot remove roles at “实验初级中学”" in str(excinfo.value)
    assert teacher_b.role_assignments.exists()


def test_last_bureau_admin_cannot_be_revoked(tree, plain_bureau_admin):
    with pytest.raises(ValidationError) as excinfo:
        actions.revoke_role(plain_bureau_admin, plain_bureau_admin, Role.BUREAU_ADMIN, tree.bureau)
    assert "last bureau administrator" in str(excinfo.value)
    second = make_user("second", Role.BUREAU_ADMIN, tree.bureau)
    assert actions.revoke_role(second, plain_bureau_admin, Role.BUREAU_ADMIN, tree.bureau)
