"""Issue 12: the admin has one permission system (the platform's roles), every account but
a superuser's has a unit and a role, and the header greets people by name."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from edu_portal.accounts.models import RoleAssignment, User
from edu_portal.accounts.roles import Role

from .test_audit_events import _user_change_form


def _add_form(tree, **overrides) -> dict:
    data = {
        "username": "new_teacher",
        "display_name": "孙老师",
        "org_unit": str(tree.school_a.pk),
        "usable_password": "false",
        "role_assignments-TOTAL_FORMS": "1",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-role": Role.TEACHER,
        "role_assignments-0-org_unit": str(tree.school_a.pk),
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_groups_are_not_a_second_permission_system(client, bureau_admin, teacher):
    assert not admin.site.is_registered(Group)
    client.force_login(bureau_admin)
    response = client.get(reverse("admin:accounts_user_change", args=[teacher.pk]))
    content = response.content.decode()
    assert 'name="groups"' not in content and 'name="user_permissions"' not in content
    assert "comes only from their roles" in content
    assert client.get("/admin/auth/group/").status_code == 404


def test_user_with_unit_and_role_is_added(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    response = client.post(reverse("admin:accounts_user_add"), _add_form(tree))
    assert response.status_code == 302
    user = User.objects.get(username="new_teacher")
    assert user.org_unit == tree.school_a
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.granted_by) == (Role.TEACHER, bureau_admin)


def test_user_without_unit_is_refused_with_a_sentence(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    response = client.post(reverse("admin:accounts_user_add"), _add_form(tree, org_unit=""))
    assert response.status_code == 200
    assert "Choose the unit the person belongs to" in response.content.decode()
    assert not User.objects.filter(username="new_teacher").exists()


def test_user_without_role_is_refused_with_a_sentence(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    data = _add_form(tree, **{"role_assignments-TOTAL_FORMS": "0"})
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert "Give the account at least one role" in response.content.decode()
    assert not User.objects.filter(username="new_teacher").exists()


def test_removing_the_last_role_is_refused(client, bureau_admin, teacher):
    assignment = teacher.role_assignments.get()
    client.force_login(bureau_admin)
    data = _user_change_form(
        teacher,
        **{
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-0-id": str(assignment.pk),
            "role_assignments-0-user": str(teacher.pk),
            "role_assignments-0-role": assignment.role,
            "role_assignments-0-org_unit": str(assignment.org_unit_id),
            "role_assignments-0-DELETE": "on",
        },
    )
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Give the account at least one role" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_clearing_the_unit_is_refused(client, bureau_admin, teacher):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    response = client.post(url, _user_change_form(teacher, org_unit=""))
    assert response.status_code == 200
    assert "Choose the unit the person belongs to" in response.content.decode()
    teacher.refresh_from_db()
    assert teacher.org_unit is not None


def test_a_superuser_needs_neither_unit_nor_role(client, bureau_admin):
    root = User.objects.create_superuser("root", password=None)
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[root.pk])
    response = client.post(url, _user_change_form(root, is_staff="on", is_superuser="on"))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "except for superusers" in page  # the form says so


@pytest.mark.parametrize("language, greeting", [("zh-hans", "欢迎，"), ("en", "Welcome, ")])
def test_header_greets_the_person_by_name(client, bureau_admin, language, greeting):
    client.force_login(bureau_admin)
    client.cookies["django_language"] = language
    content = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"{greeting}<strong>张局</strong>" in content
    assert "<strong>chief</strong>" not in content
