"""The org tree: placement rules with clear messages, scoped creation, audited moves."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit

Kind = OrgUnit.Kind


def _message(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    ("kind", "parent_attr", "expected"),
    [
        (
            Kind.CLASS,
            "bureau",
            "“新单位” (Class) cannot be placed under “示范县教育局” (Education bureau). "
            "It must be placed under: Grade.",
        ),
        (
            Kind.SCHOOL,
            "school_a",
            "“新单位” (School) cannot be placed under “城南小学” (School). "
            "It must be placed under: Education bureau.",
        ),
        (
            Kind.DEPARTMENT,
            "school_a",
            "It must be placed under: Education bureau, Department.",
        ),
        (
            Kind.BUREAU,
            "bureau",
            "“新单位” (Education bureau) is a top-level unit and cannot be placed under "
            "“示范县教育局”.",
        ),
        (
            Kind.GRADE,
            None,
            "“新单位” (Grade) cannot be a top-level unit. It must be placed under: School.",
        ),
    ],
)
def test_placement_errors(tree, kind, parent_attr, expected):
    parent = getattr(tree, parent_attr) if parent_attr else None
    with pytest.raises(ValidationError) as excinfo:
        actions.create_org_unit(SYSTEM, parent, kind, "新单位", "new-unit")
    assert expected in _message(excinfo)
    assert not OrgUnit.objects.filter(code="new-unit").exists()


def test_unknown_kind(tree):
    with pytest.raises(ValidationError) as excinfo:
        actions.create_org_unit(SYSTEM, tree.bureau, "committee", "委员会", "committee")
    assert "“committee” is not a kind of organisation unit" in _message(excinfo)


def test_duplicate_code_and_missing_name(tree):
    with pytest.raises(ValidationError) as excinfo:
        actions.create_org_unit(SYSTEM, tree.bureau, Kind.SCHOOL, "另一所", "t-school-a")
    assert "code" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        actions.create_org_unit(SYSTEM, tree.bureau, Kind.SCHOOL, "  ", "blank")
    assert "name" in excinfo.value.message_dict


def test_valid_tree_and_contains(tree):
    assert tree.bureau.contains(tree.class_a)
    assert tree.school_a.contains(tree.class_a)
    assert tree.school_a.contains(tree.school_a)
    assert not tree.school_b.contains(tree.class_a)
    assert not tree.class_a.contains(tree.school_a)
    assert [c.name for c in tree.school_a.get_children()] == ["一年级"]


def test_creation_is_audited_with_actor(tree, plain_bureau_admin):
    unit = actions.create_org_unit(
        plain_bureau_admin,
        tree.bureau,
        Kind.DEPARTMENT,
        "电教馆",
        "av-center",
        phone="0000-123",
        duties="信息化",
    )
    entry = LogEntry.objects.get_for_object(unit).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == plain_bureau_admin
    assert entry.changes_dict["name"] == ["None", "电教馆"]
    assert "path" not in entry.changes_dict
    assert "members" not in entry.changes_dict


def test_school_admin_builds_inside_own_school_only(tree, school_admin):
    grade = actions.create_org_unit(school_admin, tree.school_a, Kind.GRADE, "二年级", "g2")
    assert tree.school_a.contains(grade)
    with pytest.raises(PermissionDenied) as excinfo:
        actions.create_org_unit(school_admin, tree.school_b, Kind.GRADE, "八年级", "g8")
    assert "outside the units you manage" in str(excinfo.value)
    with pytest.raises(PermissionDenied):
        actions.create_org_unit(school_admin, tree.bureau, Kind.SCHOOL, "新学校", "new-school")
    with pytest.raises(PermissionDenied):
        actions.create_org_unit(school_admin, None, Kind.BUREAU, "新局", "new-bureau")


def test_teacher_cannot_build(tree, teacher):
    with pytest.raises(PermissionDenied):
        actions.create_org_unit(teacher, tree.grade_a, Kind.CLASS, "一年级(2)班", "c2")


def test_move_is_validated_and_audited(tree, plain_bureau_admin):
    moved = actions.move_org_unit(plain_bureau_admin, tree.grade_a, tree.school_b)
    assert tree.school_b.contains(OrgUnit.objects.get(pk=tree.class_a.pk))
    assert moved.depth == 3
    entry = LogEntry.objects.get_for_object(moved).latest()
    assert entry.changes_dict == {"parent": ["城南小学", "实验初级中学"]}
    assert entry.actor == plain_bureau_admin

    with pytest.raises(ValidationError) as excinfo:
        actions.move_org_unit(plain_bureau_admin, tree.grade_b, tree.office)
    assert "It must be placed under: School." in _message(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        actions.move_org_unit(plain_bureau_admin, tree.school_a, tree.grade_b)
    assert "cannot be placed under" in _message(excinfo)


def test_cannot_move_under_own_descendant(tree, plain_bureau_admin):
    with pytest.raises(ValidationError) as excinfo:
        actions.move_org_unit(plain_bureau_admin, tree.bureau, tree.school_a)
    assert "under itself or one of its own units" in _message(excinfo)
