"""Who reaches the console: a school's administrator only their school (other schools'
objects answer 404), bureau administrators every school, teachers and guardians 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edu_portal.accounts.models import User
from edu_portal.accounts.roles import Role
from edu_portal.schools import actions
from tests.people import make_user
from tests.schools.conftest import client_for

pytestmark = pytest.mark.django_db


def test_anonymous_goes_to_sign_in(client, schools):
    response = client.get(reverse("schools:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_teacher_gets_403(schools):
    client = client_for(schools.teacher_a)
    assert client.get(reverse("schools:home")).status_code == 403
    assert client.get(reverse("schools:school", args=[schools.a.pk])).status_code == 403


def test_school_admin_goes_to_their_school(schools, admin_a):
    response = admin_a.get(reverse("schools:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("schools:school", args=[schools.a.pk])
    page = admin_a.get(response["Location"]).content.decode()
    assert "一年级" in page and "1班" in page and "城北小学" not in page


def test_bureau_admin_picks_any_school(schools):
    client = client_for(schools.bureau_admin)
    page = client.get(reverse("schools:home")).content.decode()
    assert "城南小学" in page and "城北小学" in page
    assert client.get(reverse("schools:school", args=[schools.b.pk])).status_code == 200


def test_other_schools_objects_are_404(schools, admin_b):
    pupil = make_user("pupil_a", Role.STUDENT, schools.a_class1)
    a, unit = schools.a.pk, schools.a_class1.pk
    gets = [
        reverse("schools:school", args=[a]),
        reverse("schools:unit", args=[a, unit]),
        reverse("schools:people", args=[a]),
        reverse("schools:person", args=[a, pupil.pk]),
        reverse("schools:import", args=[a]),
        # School B's pages with school A's objects in them.
        reverse("schools:unit", args=[schools.b.pk, unit]),
        reverse("schools:person", args=[schools.b.pk, pupil.pk]),
    ]
    for url in gets:
        assert admin_b.get(url).status_code == 404, url
    posts = [
        reverse("schools:person_action", args=[schools.b.pk, pupil.pk, "reset"]),
        reverse("schools:person_action", args=[schools.b.pk, pupil.pk, "lock"]),
        reverse("schools:class_reset", args=[schools.b.pk, unit]),
        reverse("schools:unit", args=[schools.b.pk, unit]),
    ]
    for url in posts:
        assert admin_b.post(url, {"action": "delete"}).status_code == 404, url
    pupil.refresh_from_db()
    assert pupil.is_active and not pupil.must_change_password
    assert schools.a_class1.__class__.objects.filter(pk=unit).exists()


def test_get_never_changes_state(schools, admin_a):
    pupil = make_user("pupil_a", Role.STUDENT, schools.a_class1)
    for action in ("reset", "lock", "unlock", "unlink"):
        url = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, action])
        assert admin_a.get(url).status_code == 405
    assert (
        admin_a.get(
            reverse("schools:class_reset", args=[schools.a.pk, schools.a_class1.pk])
        ).status_code
        == 405
    )
    pupil.refresh_from_db()
    assert pupil.is_active and not pupil.must_change_password


def test_csrf_is_required(schools):
    from django.test import Client

    pupil = make_user("pupil_a", Role.STUDENT, schools.a_class1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(schools.admin_a)
    url = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "lock"])
    assert client.post(url).status_code == 403
    assert User.objects.get(pk=pupil.pk).is_active


def test_school_admin_cannot_reset_another_admin(schools, admin_a):
    deputy = make_user("deputy", Role.SCHOOL_ADMIN, schools.a)
    url = reverse("schools:person_action", args=[schools.a.pk, deputy.pk, "reset"])
    response = admin_a.post(url, follow=True)
    assert "administrator or reviewer" in response.content.decode()
    assert not User.objects.get(pk=deputy.pk).must_change_password


def test_managed_schools(schools):
    assert list(actions.managed_schools(schools.admin_a)) == [schools.a]
    assert set(actions.managed_schools(schools.bureau_admin)) == {schools.a, schools.b}
    assert not actions.managed_schools(schools.teacher_a).exists()
