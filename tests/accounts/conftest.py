"""Named users in a small org tree, for the accounts tests.

Passwords are hashed with the real Argon2 hasher (about a tenth of a second each), so only
the users that sign in with a password get one; the rest are signed in with force_login.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
from tests.people import make_user

PASSWORD = "Correct-Horse-42"
Kind = OrgUnit.Kind


@dataclass
class Tree:
    bureau: OrgUnit
    office: OrgUnit
    school_a: OrgUnit
    grade_a: OrgUnit
    class_a: OrgUnit
    school_b: OrgUnit
    grade_b: OrgUnit


@pytest.fixture(autouse=True)
def _accounts_settings(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    # The proof-of-work check and the slow-down are off unless a test turns them on
    # (tests/accounts/test_lockout_weapon.py): a challenge only at the limit means never.
    settings.LOGIN_CHALLENGE_AFTER = 3
    settings.LOGIN_SLOWDOWN_SECONDS = 0
    settings.LOGIN_ACCOUNT_CHALLENGE_LIMIT = 10
    settings.LOGIN_FAILURE_INTRANET_IP_LIMIT = 300
    settings.LOGIN_USUAL_ADDRESS_DAYS = 30
    settings.LOGIN_CHALLENGE_COST = 10
    settings.LOGIN_CHALLENGE_MAX_NUMBER = 200
    settings.LOGIN_FAILURE_IP_LIMIT = 30
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.TRUSTED_PROXIES = []
    settings.LANGUAGE_CODE = "en"
    return settings


@pytest.fixture
def trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.9.9.0/24")]
    return settings


@pytest.fixture
def tree(db) -> Tree:
    bureau = actions.create_org_unit(SYSTEM, None, Kind.BUREAU, "示范县教育局", "t-bureau")
    office = actions.create_org_unit(SYSTEM, bureau, Kind.DEPARTMENT, "办公室", "t-office")
    school_a = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "城南小学", "t-school-a")
    grade_a = actions.create_org_unit(SYSTEM, school_a, Kind.GRADE, "一年级", "t-grade-a")
    class_a = actions.create_org_unit(SYSTEM, grade_a, Kind.CLASS, "一年级(1)班", "t-class-a")
    school_b = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "实验初级中学", "t-school-b")
    grade_b = actions.create_org_unit(SYSTEM, school_b, Kind.GRADE, "七年级", "t-grade-b")
    return Tree(
        *(
            OrgUnit.objects.get(pk=unit.pk)
            for unit in (bureau, office, school_a, grade_a, class_a, school_b, grade_b)
        )
    )


@pytest.fixture
def bureau_admin(tree) -> User:
    return make_user(
        "chief",
        Role.BUREAU_ADMIN,
        tree.bureau,
        display_name="张局",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def plain_bureau_admin(tree) -> User:
    """Bureau administrator by role only (not a Django superuser)."""
    return make_user("deputy", Role.BUREAU_ADMIN, tree.bureau, display_name="李副局")


@pytest.fixture
def school_admin(tree) -> User:
    return make_user("head_a", Role.SCHOOL_ADMIN, tree.school_a, display_name="王校长")


@pytest.fixture
def teacher(tree) -> User:
    return make_user("teacher_a", Role.TEACHER, tree.school_a, display_name="李老师")


@pytest.fixture
def teacher_b(tree) -> User:
    return make_user("teacher_b", Role.TEACHER, tree.school_b, display_name="赵老师")


@pytest.fixture
def login_user(tree) -> User:
    """The one user with a real (Argon2) password."""
    return make_user("liming", Role.TEACHER, tree.school_a, password=PASSWORD)


@pytest.fixture
def client() -> Client:
    return Client(REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT="pytest-browser/1.0")


@pytest.fixture
def api() -> APIClient:
    return APIClient(REMOTE_ADDR="203.0.113.6", HTTP_USER_AGENT="pytest-api/1.0")
