"""The console in the default language: Chinese labels, no English left from this app."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.roles import Role
from tests.people import make_user
from tests.schools.conftest import client_for
from tests.schools.rosters import csv_bytes

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(
    r">\s*(Students|Guardians|Teachers|Import a roster|New password|Lock account|"
    r"Grades and classes|Account name|Initial password|My children|Relation|Preview of)\b"
)


def test_pages_in_chinese(schools):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pupil = make_user("pupil", Role.STUDENT, schools.a_class1, display_name="小明")
    parent = make_user("13800000001", None, schools.a, display_name="大明")
    actions.link_guardian(SYSTEM, parent, pupil, "father")
    client = client_for(schools.admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    a = schools.a.pk
    pages = [
        client.get(reverse("schools:school", args=[a])),
        client.get(reverse("schools:unit", args=[a, schools.a_class1.pk])),
        client.get(reverse("schools:people", args=[a]), {"kind": "guardian"}),
        client.get(reverse("schools:person", args=[a, pupil.pk])),
        client.get(reverse("schools:person_create", args=[a])),
        client.post(
            reverse("schools:import", args=[a]),
            {"step": "upload", "file": SimpleUploadedFile("r.csv", csv_bytes())},
        ),
        client.post(reverse("schools:person_action", args=[a, pupil.pk, "reset"])),
    ]
    family = client_for(parent)
    family.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    pages.append(family.get(reverse("schools:children")))
    for response in pages:
        assert response.status_code == 200
        page = response.content.decode()
        assert not ENGLISH.search(page), ENGLISH.search(page)
    assert "导入花名册" in pages[0].content.decode()
    assert "父亲" in pages[3].content.decode()
    assert "初始密码" in pages[6].content.decode()
    assert "我的孩子" in pages[7].content.decode()
