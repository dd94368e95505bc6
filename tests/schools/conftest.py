"""Two schools of one bureau with their administrators, for the school console tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
from tests.people import make_user

Kind = OrgUnit.Kind


@dataclass
class Schools:
    bureau: OrgUnit
    a: OrgUnit
    a_grade1: OrgUnit
    a_class1: OrgUnit
    a_class2: OrgUnit
    b: OrgUnit
    b_class1: OrgUnit
    admin_a: User
    admin_b: User
    teacher_a: User
    bureau_admin: User


def unit(parent, kind, name, code):
    return actions.create_org_unit(SYSTEM, parent, kind, name, code)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.LOGIN_SLOWDOWN_SECONDS = 0
    return settings


@pytest.fixture
def schools(db) -> Schools:
    bureau = unit(None, Kind.BUREAU, "示范县教育局", "bureau")
    a = unit(bureau, Kind.SCHOOL, "城南小学", "cn")
    grade = unit(a, Kind.GRADE, "一年级", "cn-g1")
    class1 = unit(grade, Kind.CLASS, "1班", "cn-g1c1")
    class2 = unit(grade, Kind.CLASS, "2班", "cn-g1c2")
    b = unit(bureau, Kind.SCHOOL, "城北小学", "cb")
    b_grade = unit(b, Kind.GRADE, "一年级", "cb-g1")
    b_class = unit(b_grade, Kind.CLASS, "1班", "cb-g1c1")
    return Schools(
        bureau=bureau,
        a=a,
        a_grade1=grade,
        a_class1=class1,
        a_class2=class2,
        b=b,
        b_class1=b_class,
        admin_a=make_user("admin_a", Role.SCHOOL_ADMIN, a),
        admin_b=make_user("admin_b", Role.SCHOOL_ADMIN, b),
        teacher_a=make_user("teacher_a", Role.TEACHER, a),
        bureau_admin=make_user("chief", Role.BUREAU_ADMIN, bureau),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_a(schools) -> Client:
    return client_for(schools.admin_a)


@pytest.fixture
def admin_b(schools) -> Client:
    return client_for(schools.admin_b)
