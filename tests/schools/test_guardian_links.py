"""Guardian links: actions, the console's link form, recipients, the family page."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import GuardianLink, User, children_of, guardians_of
from edu_portal.accounts.roles import Role
from tests.people import make_user
from tests.schools.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(schools):
    child1 = make_user("child1", Role.STUDENT, schools.a_class1, display_name="张一")
    child2 = make_user("child2", Role.STUDENT, schools.b_class1, display_name="张二")
    mother = make_user("13800000001", None, schools.a, display_name="刘娜")
    father = make_user("13800000002", None, schools.a, display_name="张伟")
    actions.link_guardian(SYSTEM, mother, child1, "mother")
    actions.link_guardian(SYSTEM, mother, child2, "mother")
    actions.link_guardian(SYSTEM, father, child1, "father", receives_notices=False)
    return child1, child2, mother, father


def test_helpers(family, schools):
    child1, child2, mother, father = family
    assert set(children_of(mother)) == {child1, child2}
    assert set(guardians_of(child1, for_notices=False)) == {mother, father}
    # A guardian who must not receive the child's notices is no recipient.
    assert set(guardians_of(child1)) == {mother}
    actions.set_active(SYSTEM, mother, False)
    assert not guardians_of(child1).exists()
    # The guardian role follows the children's classes.
    held = set(
        mother.role_assignments.filter(role=Role.GUARDIAN).values_list("org_unit", flat=True)
    )
    assert held == {schools.a_class1.pk, schools.b_class1.pk}


def test_unlink_drops_the_role_at_that_class(family, schools):
    child1, child2, mother, _father = family
    assert actions.unlink_guardian(schools.admin_b, mother, child2)
    assert set(children_of(mother)) == {child1}
    assert not mother.role_assignments.filter(org_unit=schools.b_class1).exists()
    assert not actions.unlink_guardian(schools.admin_b, mother, child2)


def test_link_rules(family, schools):
    child1, _child2, mother, _father = family
    with pytest.raises(PermissionDenied):
        actions.link_guardian(schools.admin_b, mother, child1, "mother")
    with pytest.raises(ValidationError):
        actions.link_guardian(schools.admin_a, mother, child1, "aunt")
    with pytest.raises(ValidationError):
        actions.link_guardian(schools.admin_a, child1, child1, "other")
    with pytest.raises(ValidationError):  # only students have guardians
        actions.link_guardian(schools.admin_a, mother, schools.teacher_a, "other")
    # Linking twice keeps one link and changes its relation.
    actions.link_guardian(schools.admin_a, mother, child1, "other")
    assert GuardianLink.objects.get(guardian=mother, student=child1).relation == "other"
    assert LogEntry.objects.filter(
        content_type__model="guardianlink", actor=schools.admin_a
    ).exists()


def test_console_link_form_creates_or_links(schools, admin_a):
    child = make_user("child1", Role.STUDENT, schools.a_class1)
    url = reverse("schools:person_action", args=[schools.a.pk, child.pk, "link"])
    admin_a.post(url, {"phone": "13900000001", "guardian_name": "新家长", "relation": "father"})
    guardian = User.objects.get(username="13900000001")
    link = GuardianLink.objects.get(guardian=guardian, student=child)
    assert link.relation == "father" and link.receives_notices is False  # box left clear
    admin_a.post(url, {"phone": "13900000001", "relation": "father", "receives_notices": "on"})
    link.refresh_from_db()
    assert link.receives_notices is True
    response = admin_a.post(
        url, {"phone": "12345", "guardian_name": "x", "relation": "father"}, follow=True
    )
    assert "11 digits" in response.content.decode()
    unlink = reverse("schools:person_action", args=[schools.a.pk, child.pk, "unlink"])
    admin_a.post(unlink, {"guardian": guardian.pk})
    assert not GuardianLink.objects.filter(student=child).exists()


def test_viewing_a_pupil_is_logged_as_access(schools, admin_a, family):
    child1, *_ = family
    response = admin_a.get(reverse("schools:person", args=[schools.a.pk, child1.pk]))
    assert response.status_code == 200
    assert "刘娜" in response.content.decode()
    assert LogEntry.objects.filter(
        object_pk=str(child1.pk), action=LogEntry.Action.ACCESS, actor=schools.admin_a
    ).exists()


def test_family_page(family, schools):
    _child1, _child2, mother, father = family
    page = client_for(mother).get(reverse("schools:children")).content.decode()
    assert "张一" in page and "张二" in page
    assert "城南小学" in page and "城北小学" in page and "一年级" in page and "1班" in page
    home = client_for(mother).get(reverse("home")).content.decode()
    assert reverse("schools:children") in home
    assert (
        reverse("schools:children") not in client_for(schools.teacher_a).get("/").content.decode()
    )
    page = client_for(father).get(reverse("schools:children")).content.decode()
    assert "张一" in page and "张二" not in page
    page = client_for(schools.teacher_a).get(reverse("schools:children")).content.decode()
    assert "No children are linked" in page


def test_guardian_admin_page(family, admin_client):
    response = admin_client.get(reverse("admin:accounts_guardianlink_changelist"))
    assert response.status_code == 200
    assert "刘娜" in response.content.decode()


def test_seed_demo_links_the_demo_guardian(db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    guardian = User.objects.get(username="guardian")
    link = GuardianLink.objects.get(guardian=guardian)
    assert link.student.username == "student" and link.relation == "mother"
    assert link.student.student_profile.student_number == "20240001"
