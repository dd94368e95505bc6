"""catalog.audience: which catalog grade a grade unit's name (or code) means, and the grade
of a signed-in student from the class where they hold the student role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from catalog.audience import Favour, favour_for, grade_of, grade_of_code, grade_of_name
from edu_portal.accounts import actions
from edu_portal.accounts.models import GuardianLink, OrgUnit
from edu_portal.accounts.roles import Role
from tests.audience.conftest import unit
from tests.people import make_user


@pytest.mark.parametrize(
    ("name", "grade"),
    [
        ("一年级", 1),
        ("二年级", 2),
        ("六年级", 6),
        ("小学一年级", 1),
        ("小学六年级", 6),
        ("七年级", 7),
        ("九年级", 9),
        ("初一", 7),
        ("初二年级", 8),
        ("初三", 9),
        ("初中一年级", 7),
        ("初中三年级", 9),
        ("初中七年级", 7),
        ("初级中学二年级", 8),
        ("高一", 10),
        ("高二年级", 11),
        ("高三", 12),
        ("高中一年级", 10),
        ("高中三年级", 12),
        ("十年级", 10),
        ("十一年级", 11),
        ("十二年级", 12),
        ("1年级", 1),
        ("12年级", 12),
        ("３年级", 3),  # full-width digit
        (" 四 年级 ", 4),
        ("2024级一年级", 1),
    ],
)
def test_grade_unit_names(name, grade):
    assert grade_of_name(name) == grade


@pytest.mark.parametrize(
    "name",
    [
        "",
        "2023级",
        "毕业班",
        "高中",
        "初中五年级",  # a primary grade in a junior school: contradictory
        "小学七年级",
        "小学高一",
        "十三年级",
        "二十年级",
        "学前班",
    ],
)
def test_unclear_names_give_none(name):
    assert grade_of_name(name) is None


@pytest.mark.parametrize(
    ("code", "grade"),
    [("cn-g1", 1), ("demo-chengnan-g1", 1), ("grade-7", 7), ("school_grade_12", 12), ("x-nj3", 3)],
)
def test_grade_unit_codes(code, grade):
    assert grade_of_code(code) == grade


@pytest.mark.parametrize("code", ["", "t-grade-a", "g13", "g0", "cn-g1c1", "dog1"])
def test_codes_without_a_grade(code):
    assert grade_of_code(code) is None


needs_db = pytest.mark.django_db


@needs_db
def test_pupil_in_a_first_grade_class(pupil):
    assert grade_of(pupil) == 1
    favour = favour_for(pupil)
    assert favour == Favour(1)
    assert favour.stage == "primary"


@needs_db
def test_grade_unit_read_from_its_code_when_the_name_says_nothing(school):
    grade = unit(school, OrgUnit.Kind.GRADE, "2023届", "x-g3")
    klass = unit(grade, OrgUnit.Kind.CLASS, "甲班", "x-g3-a")
    assert grade_of(make_user("p3", Role.STUDENT, klass)) == 3


@needs_db
def test_role_held_at_the_grade_unit_itself(school):
    grade = unit(school, OrgUnit.Kind.GRADE, "初二", "x-junior-2")
    assert grade_of(make_user("p8", Role.STUDENT, grade)) == 8


@needs_db
def test_the_latest_student_role_decides(pupil, school):
    grade_two = unit(school, OrgUnit.Kind.GRADE, "二年级", "t-g2")
    class_two = unit(grade_two, OrgUnit.Kind.CLASS, "二年级(1)班", "t-g2c1")
    # Moved up a grade; the old class is not taken away yet.
    actions.assign_role(actions.SYSTEM, pupil, Role.STUDENT, class_two)
    assert grade_of(type(pupil).objects.get(pk=pupil.pk)) == 2


@needs_db
def test_no_grade_for_anyone_else(pupil, teacher, school, class_one):
    assert grade_of(AnonymousUser()) is None
    assert grade_of(None) is None
    assert grade_of(teacher) is None
    # A teacher at the class itself is still a teacher.
    assert grade_of(make_user("class_teacher", Role.TEACHER, class_one)) is None
    guardian = make_user("parent_zhang", Role.GUARDIAN, class_one)
    GuardianLink.objects.create(guardian=guardian, student=pupil, relation="mother")
    assert grade_of(guardian) is None
    # A student held at the school, not at a class: no grade to go by.
    assert grade_of(make_user("loose_student", Role.STUDENT, school)) is None
    # A student in a grade unit whose name and code say nothing.
    odd = unit(school, OrgUnit.Kind.GRADE, "融合班", "t-odd")
    odd_class = unit(odd, OrgUnit.Kind.CLASS, "甲", "t-o1")
    assert grade_of(make_user("odd_student", Role.STUDENT, odd_class)) is None
    # A locked account is not signed in anywhere.
    pupil.is_active = False
    assert grade_of(pupil) is None
