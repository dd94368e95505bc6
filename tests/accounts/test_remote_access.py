"""Remote access: only for staff members, only by someone who manages them; audited."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role

from .conftest import make_user


def test_school_admin_grants_teacher_remote_access(tree, school_admin, teacher):
    actions.set_remote_access(school_admin, teacher, True)
    teacher.refresh_from_db()
    assert teacher.remote_access
    entry = LogEntry.objects.get_for_object(teacher).latest()
    assert entry.changes_dict == {"remote_access": ["False", "True"]}
    assert entry.actor == school_admin


def test_only_staff_members(tree, school_admin):
    pupil = make_user("pupil", Role.STUDENT, tree.class_a)
    with pytest.raises(ValidationError) as excinfo:
        actions.set_remote_access(school_admin, pupil, True)
    assert "Remote access can only be given to bureau or school staff" in str(excinfo.value)
    # Taking it away is always possible.
    actions.set_remote_access(school_admin, pupil, False)


def test_not_for_staff_of_another_school(tree, school_admin, teacher_b):
    with pytest.raises(PermissionDenied) as excinfo:
        actions.set_remote_access(school_admin, teacher_b, True)
    assert "outside the units you manage" in str(excinfo.value)


def test_unchanged_value_writes_nothing(tree, school_admin, teacher):
    before = LogEntry.objects.count()
    actions.set_remote_access(school_admin, teacher, False)
    assert LogEntry.objects.count() == before


def test_api_endpoint(api, tree, school_admin, teacher, teacher_b):
    token = Token.objects.create(user=school_admin)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    url = reverse("api-user-remote-access", args=[teacher.pk])
    response = api.put(url, {"remote_access": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["remote_access"] is True

    response = api.put(
        reverse("api-user-remote-access", args=[teacher_b.pk]),
        {"remote_access": True},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "outside the units you manage" in response.json()["detail"]
