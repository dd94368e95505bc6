"""Teachers find the upload page from the header; students and visitors do not see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edu_portal.accounts.models import RoleAssignment, User
from edu_portal.accounts.roles import Role


def _member(school, name: str, role: str) -> User:
    user = User.objects.create_user(name, password="x-unused-1")
    RoleAssignment.objects.create(user=user, role=role, org_unit=school)
    return user


def test_teacher_sees_upload_link(client, school):
    client.force_login(_member(school, "teacher", Role.TEACHER))
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("upload")}"' in html


@pytest.mark.parametrize("role", [Role.STUDENT, Role.GUARDIAN])
def test_students_and_guardians_do_not(client, school, role):
    client.force_login(_member(school, "member", role))
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("upload")}"' not in html


def test_visitors_do_not(client, db):
    assert f'href="{reverse("upload")}"' not in client.get(reverse("home")).content.decode()
