"""Grades, classes and accounts made through the console."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edu_portal.accounts.models import OrgUnit, StudentProfile, User
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db


def test_create_rename_delete_units(schools, admin_a):
    create = reverse("schools:unit_create", args=[schools.a.pk])
    admin_a.post(create, {"parent": schools.a.pk, "name": "二年级"})
    grade = OrgUnit.objects.get(name="二年级")
    schools.a.refresh_from_db()
    assert grade.kind == "grade" and schools.a.contains(grade)
    admin_a.post(create, {"parent": grade.pk, "name": "3班"})
    klass = OrgUnit.objects.get(name="3班")
    grade.refresh_from_db()
    assert klass.kind == "class" and grade.contains(klass)
    # A duplicate name under the same grade is refused.
    response = admin_a.post(create, {"parent": grade.pk, "name": "3班"}, follow=True)
    assert "already has a unit" in response.content.decode()
    url = reverse("schools:unit", args=[schools.a.pk, klass.pk])
    admin_a.post(url, {"action": "rename", "name": "三班"})
    klass.refresh_from_db()
    assert klass.name == "三班"
    # A grade with a class in it is not deleted; the empty class is.
    response = admin_a.post(
        reverse("schools:unit", args=[schools.a.pk, grade.pk]), {"action": "delete"}, follow=True
    )
    assert "is not empty" in response.content.decode()
    admin_a.post(url, {"action": "delete"})
    assert not OrgUnit.objects.filter(pk=klass.pk).exists()
    # Units of another school cannot be the parent.
    response = admin_a.post(create, {"parent": schools.b_class1.pk, "name": "x"})
    assert response.status_code == 404


def test_class_with_students_is_not_deleted(schools, admin_a):
    make_user("pupil", Role.STUDENT, schools.a_class1)
    url = reverse("schools:unit", args=[schools.a.pk, schools.a_class1.pk])
    admin_a.post(url, {"action": "delete"})
    assert OrgUnit.objects.filter(pk=schools.a_class1.pk).exists()


def test_create_people(schools, admin_a):
    url = reverse("schools:person_create", args=[schools.a.pk])
    response = admin_a.post(
        url,
        {
            "kind": "student",
            "display_name": "孙悟空",
            "student_number": "S100",
            "unit": schools.a_class1.pk,
        },
    )
    assert response.status_code == 200 and "password-cell" in response.content.decode()
    student = User.objects.get(username="cn-s100")
    assert student.org_unit == schools.a_class1 and student.role_set() == {Role.STUDENT}
    assert StudentProfile.objects.get(user=student).student_number == "S100"
    # The same number again in this school is refused; in another school it is fine.
    response = admin_a.post(
        url,
        {
            "kind": "student",
            "display_name": "猪八戒",
            "student_number": "S100",
            "unit": schools.a_class1.pk,
        },
    )
    assert "already used" in response.content.decode()
    admin_a.post(url, {"kind": "guardian", "display_name": "唐僧", "phone": "13700000000"})
    assert User.objects.get(username="13700000000").display_name == "唐僧"
    admin_a.post(url, {"kind": "teacher", "display_name": "沙僧", "username": "sha_seng"})
    assert User.objects.get(username="sha_seng").role_set() == {Role.TEACHER}
    response = admin_a.post(url, {"kind": "guardian", "display_name": "x", "phone": "999"})
    assert "11 digits" in response.content.decode()


def test_people_lists_search_and_filter(schools, admin_a):
    make_user("p1", Role.STUDENT, schools.a_class1, display_name="甲同学")
    make_user("p2", Role.STUDENT, schools.a_class2, display_name="乙同学")
    make_user("pb", Role.STUDENT, schools.b_class1, display_name="丙同学")
    url = reverse("schools:people", args=[schools.a.pk])
    page = admin_a.get(url, {"kind": "student"}).content.decode()
    assert "甲同学" in page and "乙同学" in page and "丙同学" not in page
    page = admin_a.get(url, {"kind": "student", "unit": schools.a_class2.pk}).content.decode()
    assert "甲同学" not in page and "乙同学" in page
    page = admin_a.get(url, {"kind": "student", "q": "甲"}).content.decode()
    assert "甲同学" in page and "乙同学" not in page
    page = admin_a.get(url, {"kind": "teacher"}).content.decode()
    assert "teacher_a" in page


def test_move_student_and_edit(schools, admin_a):
    pupil = make_user("p1", Role.STUDENT, schools.a_class1, display_name="甲")
    move = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "move"])
    admin_a.post(move, {"unit": schools.a_class2.pk})
    pupil.refresh_from_db()
    assert pupil.org_unit == schools.a_class2
    assert set(pupil.role_assignments.values_list("org_unit", flat=True)) == {schools.a_class2.pk}
    # Not into another school's class.
    assert admin_a.post(move, {"unit": schools.b_class1.pk}).status_code == 302
    pupil.refresh_from_db()
    assert pupil.org_unit == schools.a_class2
    admin_a.post(
        reverse("schools:person", args=[schools.a.pk, pupil.pk]),
        {"display_name": "甲乙", "phone": ""},
    )
    pupil.refresh_from_db()
    assert pupil.display_name == "甲乙"
