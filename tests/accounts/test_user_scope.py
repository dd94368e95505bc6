"""Issue 11: a school administrator gave roles to another school's users and learned their
real names by id. Each test is that attack, through the API or the admin, now refused
without the other person's name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.authtoken.models import Token

from edu_portal.accounts.models import RoleAssignment
from edu_portal.accounts.roles import Role

OTHER_NAME = "赵老师"  # teacher_b's display name, at the other school


@pytest.fixture
def admin_api(api, school_admin):
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=school_admin).key}")
    return api


@pytest.fixture
def staff_school_admin(school_admin):
    """The school administrator with the admin site's model permissions, as deployed."""
    school_admin.is_staff = True
    school_admin.save()
    codenames = ["view_user", "change_user", "view_roleassignment", "add_roleassignment"]
    school_admin.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return school_admin


def test_api_role_for_another_schools_user_is_refused_without_the_name(admin_api, tree, teacher_b):
    response = admin_api.post(
        reverse("api-role-assignments"),
        {"user": teacher_b.pk, "role": Role.STUDENT, "org_unit": tree.class_a.pk},
        format="json",
    )
    assert response.status_code == 403
    assert OTHER_NAME not in response.content.decode()
    assert "teacher_b" not in response.content.decode()
    assert not RoleAssignment.objects.filter(user=teacher_b, org_unit=tree.class_a).exists()


def test_api_remote_access_refusal_does_not_name_the_user(admin_api, teacher_b):
    url = reverse("api-user-remote-access", args=[teacher_b.pk])
    response = admin_api.put(url, {"remote_access": True}, format="json")
    assert response.status_code == 403
    assert OTHER_NAME not in response.content.decode()


def test_api_revoke_elsewhere_is_not_found(admin_api, tree, teacher_b):
    assignment = teacher_b.role_assignments.get()
    response = admin_api.delete(reverse("api-role-assignment", args=[assignment.pk]))
    assert response.status_code == 404
    assert "实验初级中学" not in response.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_admin_autocomplete_finds_only_own_school(client, staff_school_admin, teacher, teacher_b):
    client.force_login(staff_school_admin)
    url = reverse("admin:autocomplete")
    params = {"app_label": "accounts", "model_name": "roleassignment", "field_name": "user"}
    other = client.get(url, {**params, "term": "赵"})
    assert other.status_code == 200
    assert other.json()["results"] == []
    own = client.get(url, {**params, "term": "李"}).json()["results"]
    assert [r["text"] for r in own] == ["李老师"]


def test_admin_role_for_another_schools_user_is_refused(
    client, tree, staff_school_admin, teacher_b
):
    client.force_login(staff_school_admin)
    response = client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": teacher_b.pk, "role": Role.STUDENT, "org_unit": tree.class_a.pk},
    )
    assert response.status_code == 200  # the form again, with an error
    assert OTHER_NAME not in response.content.decode()
    assert not RoleAssignment.objects.filter(user=teacher_b, org_unit=tree.class_a).exists()


def test_admin_user_pages_hide_other_schools(client, staff_school_admin, teacher, teacher_b):
    client.force_login(staff_school_admin)
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "李老师" in listing
    assert OTHER_NAME not in listing
    page = client.get(reverse("admin:accounts_user_change", args=[teacher_b.pk]), follow=True)
    assert OTHER_NAME not in page.content.decode()


def test_own_school_still_works(admin_api, tree, teacher):
    response = admin_api.post(
        reverse("api-role-assignments"),
        {"user": teacher.pk, "role": Role.TEACHER, "org_unit": tree.class_a.pk},
        format="json",
    )
    assert response.status_code == 201
