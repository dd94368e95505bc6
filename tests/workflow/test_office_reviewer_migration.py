"""accounts 0005: office reviewer roles held at a department move to the bureau root."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from edu_portal.accounts.models import RoleAssignment
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db

migration = importlib.import_module("edu_portal.accounts.migrations.0005_office_reviewer_at_bureau")


def _held_at(user) -> list[tuple[str, str]]:
    return sorted(RoleAssignment.objects.filter(user=user).values_list("role", "org_unit__name"))


def test_moves_department_assignments_to_the_bureau(bureau, department, school):
    # Rows as the older code made them (the role was allowed at a department then).
    moved = make_user("office_chen", unit=department)
    RoleAssignment.objects.create(user=moved, role=Role.OFFICE_REVIEWER, org_unit=department)
    both = make_user("office_wu", unit=department)
    RoleAssignment.objects.create(user=both, role=Role.OFFICE_REVIEWER, org_unit=department)
    RoleAssignment.objects.create(user=both, role=Role.OFFICE_REVIEWER, org_unit=bureau)
    editor = make_user("editor_liu", unit=department)
    RoleAssignment.objects.create(user=editor, role=Role.DEPARTMENT_EDITOR, org_unit=department)

    migration.move_to_top_level(apps, None)
    migration.move_to_top_level(apps, None)  # a second run finds nothing to do

    assert _held_at(moved) == [(Role.OFFICE_REVIEWER, "示范县教育局")]
    assert _held_at(both) == [(Role.OFFICE_REVIEWER, "示范县教育局")]  # no duplicate
    assert _held_at(editor) == [(Role.DEPARTMENT_EDITOR, "教研室")]  # other roles stay
    moved.refresh_from_db()
    assert moved.org_unit == department  # membership unchanged
