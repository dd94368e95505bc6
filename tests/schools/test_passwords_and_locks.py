"""Password reset for pupils (one or a class), sign-in with the sheet's password and the
forced change, lock and unlock."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from edu_portal.accounts import login_guard
from edu_portal.accounts.models import LoginRecord, User
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db


def sheet_passwords(response) -> dict[str, str]:
    page = response.content.decode()
    rows = re.findall(
        r'data-label="Account name">([^<]+)</td>\s*<td data-label="Initial password" '
        r'class="password-cell">([^<]+)</td>',
        page,
    )
    return dict(rows)


def sign_in(username, password):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def test_reset_one_pupil_then_sign_in_and_change(schools, admin_a):
    pupil = make_user("pupil_a", Role.STUDENT, schools.a_class1, password="Old-secret-91")
    url = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "reset"])
    response = admin_a.post(url)
    assert "no-store" in response["Cache-Control"]
    password = sheet_passwords(response)["pupil_a"]
    pupil.refresh_from_db()
    assert pupil.check_password(password) and not pupil.check_password("Old-secret-91")
    assert password not in pupil.password
    assert LogEntry.objects.filter(
        object_pk=str(pupil.pk), actor=schools.admin_a, changes__icontains="reset"
    ).exists()

    client, response = sign_in("pupil_a", "Old-secret-91")
    assert response.status_code == 200  # the old password no longer works
    client, response = sign_in("pupil_a", password)
    assert response.status_code == 302
    # Asked to choose a password of their own before anything else.
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Mine-own-pass-77",
            "new_password2": "Mine-own-pass-77",
        },
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=pupil.pk).must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_reset_whole_class_sheet(schools, admin_a):
    pupils = [make_user(f"p{i}", Role.STUDENT, schools.a_class1) for i in range(3)]
    other = make_user("p_other", Role.STUDENT, schools.a_class2)
    url = reverse("schools:class_reset", args=[schools.a.pk, schools.a_class1.pk])
    response = admin_a.post(url)
    passwords = sheet_passwords(response)
    assert set(passwords) == {"p0", "p1", "p2"}
    assert len(set(passwords.values())) == 3
    for pupil in pupils:
        pupil.refresh_from_db()
        assert pupil.check_password(passwords[pupil.username])
        assert pupil.must_change_password
    assert not User.objects.get(pk=other.pk).must_change_password
    # The sheet is not kept anywhere: the class page shows no password.
    page = admin_a.get(reverse("schools:unit", args=[schools.a.pk, schools.a_class1.pk]))
    assert not any(p in page.content.decode() for p in passwords.values())


def test_lock_and_unlock(schools, admin_a, settings):
    pupil = make_user("pupil_a", Role.STUDENT, schools.a_class1, password="Pupil-pass-55")
    lock = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "lock"])
    unlock = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "unlock"])
    admin_a.post(lock)
    assert not User.objects.get(pk=pupil.pk).is_active
    _client, response = sign_in("pupil_a", "Pupil-pass-55")
    assert response.status_code == 200
    admin_a.post(unlock)
    assert User.objects.get(pk=pupil.pk).is_active
    _client, response = sign_in("pupil_a", "Pupil-pass-55")
    assert response.status_code == 302


def test_unlock_lifts_the_sign_in_lock(schools, admin_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_CHALLENGE_AFTER = 5
    pupil = make_user("pupil_a", Role.STUDENT, schools.a_class1, password="Pupil-pass-55")
    for _ in range(3):
        sign_in("pupil_a", "wrong")
    assert login_guard.current_lock("pupil_a", "127.0.0.1") is not None
    admin_a.post(reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "unlock"]))
    assert login_guard.current_lock("pupil_a", "127.0.0.1") is None
    assert LoginRecord.objects.filter(username="pupil_a", result="unlocked").exists()
    _client, response = sign_in("pupil_a", "Pupil-pass-55")
    assert response.status_code == 302


def test_a_guardian_shared_with_another_school_is_not_reset_by_one(schools, admin_a):
    from edu_portal.accounts import actions
    from edu_portal.accounts.actions import SYSTEM

    child_a = make_user("child_a", Role.STUDENT, schools.a_class1)
    child_b = make_user("child_b", Role.STUDENT, schools.b_class1)
    parent = make_user("13800000009", None, schools.a)
    actions.link_guardian(SYSTEM, parent, child_a, "mother")
    actions.link_guardian(SYSTEM, parent, child_b, "mother")
    url = reverse("schools:person_action", args=[schools.a.pk, parent.pk, "reset"])
    response = admin_a.post(url, follow=True)
    assert "do not manage" in response.content.decode()
    assert not User.objects.get(pk=parent.pk).must_change_password
