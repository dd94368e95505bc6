"""Guardians' contact details in the school console: masked in lists and on the person's
page, shown in full only by a POST whose every use is an ACCESS entry in the audit log."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.roles import Role
from edu_portal.messaging.privacy import can_see_contact, reveal_contact
from tests.people import make_user

pytestmark = pytest.mark.django_db

PHONE = "13800000001"
EMAIL = "liuna@example.com"


@pytest.fixture
def family(schools):
    child = make_user("cn-1001", Role.STUDENT, schools.a_class1, display_name="张一")
    mother = make_user(PHONE, None, schools.a, display_name="刘娜", phone=PHONE, email=EMAIL)
    actions.link_guardian(SYSTEM, mother, child, "mother")
    return child, mother


def accesses(person, actor=None):
    entries = LogEntry.objects.filter(object_pk=str(person.pk), action=LogEntry.Action.ACCESS)
    return entries.filter(actor=actor) if actor is not None else entries


def test_guardian_list_shows_masked_numbers(schools, family, admin_a):
    response = admin_a.get(reverse("schools:people", args=[schools.a.pk]), {"kind": "guardian"})
    page = response.content.decode()
    assert "刘娜" in page
    assert "138****0001" in page
    assert PHONE not in page


def test_person_page_masks_until_shown(schools, family, admin_a):
    child, mother = family
    url = reverse("schools:person", args=[schools.a.pk, mother.pk])
    page = admin_a.get(url).content.decode()
    assert PHONE not in page  # neither as account name, nor in the form
    assert EMAIL not in page
    assert "138****0001" in page and "l***a@example.com" in page
    assert "Show full contact details" in page
    # The pupil's page lists the guardian masked too.
    page = admin_a.get(reverse("schools:person", args=[schools.a.pk, child.pk])).content.decode()
    assert "138****0001" in page and PHONE not in page
    assert not accesses(mother).filter(changes__has_key="phone").exists()


def test_show_is_a_logged_post(schools, family, admin_a):
    _child, mother = family
    reveal = reverse("schools:person_action", args=[schools.a.pk, mother.pk, "reveal"])
    # A GET (a link scanner, a prefetch) shows nothing and logs nothing.
    assert admin_a.get(reveal).status_code == 405
    response = admin_a.post(reveal)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert PHONE in page and EMAIL in page
    assert f'value="{PHONE}"' in page  # the number can be changed now
    entry = accesses(mother, schools.admin_a).get(changes__has_key="phone")
    assert entry.actor == schools.admin_a
    assert set(entry.changes_dict) == {"phone", "email"}
    assert PHONE not in str(entry.changes)  # the log names the field, not the number
    assert entry.additional_data == {"fields": ["phone", "email"], "where": "schools.person"}


def test_saving_without_the_number_keeps_it(schools, family, admin_a):
    _child, mother = family
    url = reverse("schools:person", args=[schools.a.pk, mother.pk])
    response = admin_a.post(url, {"display_name": "刘娜娜"})
    assert response.status_code == 302
    mother.refresh_from_db()
    assert (mother.display_name, mother.phone) == ("刘娜娜", PHONE)
    admin_a.post(url, {"display_name": "刘娜娜", "phone": "13900000009"})
    mother.refresh_from_db()
    assert mother.phone == "13900000009"


def test_other_school_cannot_show(schools, family, admin_b):
    _child, mother = family
    reveal = reverse("schools:person_action", args=[schools.a.pk, mother.pk, "reveal"])
    assert admin_b.post(reveal).status_code == 404
    reveal_b = reverse("schools:person_action", args=[schools.b.pk, mother.pk, "reveal"])
    assert admin_b.post(reveal_b).status_code == 404
    assert not accesses(mother, schools.admin_b).exists()


def test_who_may_see(schools, family):
    child, mother = family
    class_teacher = make_user("t1", Role.TEACHER, schools.a_class1)
    other_class_teacher = make_user("t2", Role.TEACHER, schools.a_class2)
    other_school_teacher = make_user("t3", Role.TEACHER, schools.b_class1)
    assert can_see_contact(class_teacher, mother)
    assert can_see_contact(schools.teacher_a, mother)  # a teacher at the school level
    assert can_see_contact(schools.admin_a, mother)
    assert can_see_contact(schools.bureau_admin, mother)
    assert can_see_contact(mother, mother)
    assert not can_see_contact(other_class_teacher, mother)
    assert not can_see_contact(other_school_teacher, mother)
    assert not can_see_contact(schools.admin_b, mother)
    assert not can_see_contact(child, mother)
    with pytest.raises(PermissionDenied):
        reveal_contact(other_school_teacher, mother, where="test")
    assert not accesses(mother, other_school_teacher).exists()
    assert reveal_contact(class_teacher, mother, ["phone"], where="messaging.report") == {
        "phone": PHONE
    }
    entry = accesses(mother, class_teacher).get()
    assert entry.additional_data["fields"] == ["phone"]
