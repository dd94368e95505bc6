"""Two schools of one bureau: classes, pupils, their guardians (one with two children in
two classes, one flagged not to receive a child's notices, one locked), class teachers,
administrators; and an API client per person."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
from edu_portal.messaging.models import ChannelPreference
from tests.people import make_user

Kind = OrgUnit.Kind


@dataclass
class World:
    bureau: OrgUnit
    school: OrgUnit
    grade1: OrgUnit
    class1: OrgUnit  # 一年级1班
    class2: OrgUnit  # 一年级2班
    other_school: OrgUnit
    other_class: OrgUnit
    teacher: User  # class teacher of class1 only
    other_teacher: User  # a teacher of the other school
    admin: User  # school administrator of school
    other_admin: User
    chief: User  # bureau administrator
    ming: User  # class1
    hong: User  # class2, sister of ming
    hua: User  # class1
    gang: User  # class1, his father is flagged
    wei: User  # other school
    mum: User  # guardian of ming and hong: e-mail and SMS
    dad: User  # guardian of ming, SMS turned off
    hua_mum: User
    gang_dad: User  # flagged: receives no notices for gang
    gang_mum: User  # locked account
    wei_dad: User


def unit(parent, kind, name, code):
    return actions.create_org_unit(SYSTEM, parent, kind, name, code)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LANGUAGE_CODE = "en"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Quiet hours never (equal start and end): tests decide the time themselves.
    settings.NOTICE_QUIET_START = "00:00"
    settings.NOTICE_QUIET_END = "00:00"
    settings.NOTICE_BATCH_SIZE = 100
    translation.activate("en")
    yield settings
    translation.deactivate()


@pytest.fixture
def eager_tasks():
    """Run queued Celery tasks in the calling process, errors propagating."""
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def guardian(name: str, phone: str, school: OrgUnit, **fields) -> User:
    return make_user(phone, None, school, display_name=name, phone=phone, **fields)


@pytest.fixture
def world(db) -> World:
    bureau = unit(None, Kind.BUREAU, "示范县教育局", "bureau")
    school = unit(bureau, Kind.SCHOOL, "城南小学", "cn")
    grade1 = unit(school, Kind.GRADE, "一年级", "cn-g1")
    class1 = unit(grade1, Kind.CLASS, "1班", "cn-g1c1")
    class2 = unit(grade1, Kind.CLASS, "2班", "cn-g1c2")
    other_school = unit(bureau, Kind.SCHOOL, "城北小学", "cb")
    other_grade = unit(other_school, Kind.GRADE, "一年级", "cb-g1")
    other_class = unit(other_grade, Kind.CLASS, "1班", "cb-g1c1")
    ming = make_user("ming", Role.STUDENT, class1, display_name="张小明")
    hong = make_user("hong", Role.STUDENT, class2, display_name="张小红")
    hua = make_user("hua", Role.STUDENT, class1, display_name="李小华")
    gang = make_user("gang", Role.STUDENT, class1, display_name="陈刚")
    wei = make_user("wei", Role.STUDENT, other_class, display_name="周伟")
    mum = guardian("王芳", "13800000001", school, email="wang@example.cn")
    ChannelPreference.objects.create(user=mum, email=True, sms=True)
    dad = guardian("张伟", "13800000002", school, email="zhang@example.cn")
    ChannelPreference.objects.create(user=dad, email=False, sms=False)
    hua_mum = guardian("李梅", "13800000003", school)
    gang_dad = guardian("陈强", "13800000004", school)
    gang_mum = guardian("刘丽", "13800000005", school, is_active=False)
    wei_dad = guardian("周军", "13800000006", other_school)
    actions.link_guardian(SYSTEM, mum, ming, "mother")
    actions.link_guardian(SYSTEM, mum, hong, "mother")
    actions.link_guardian(SYSTEM, dad, ming, "father")
    actions.link_guardian(SYSTEM, hua_mum, hua, "mother")
    actions.link_guardian(SYSTEM, gang_dad, gang, "father", receives_notices=False)
    actions.link_guardian(SYSTEM, gang_mum, gang, "mother")
    actions.link_guardian(SYSTEM, wei_dad, wei, "father")
    return World(
        bureau=bureau,
        school=school,
        grade1=grade1,
        class1=class1,
        class2=class2,
        other_school=other_school,
        other_class=other_class,
        teacher=make_user("teacher_zhao", Role.TEACHER, class1, display_name="赵老师"),
        other_teacher=make_user("teacher_qian", Role.TEACHER, other_school),
        admin=make_user("admin_cn", Role.SCHOOL_ADMIN, school),
        other_admin=make_user("admin_cb", Role.SCHOOL_ADMIN, other_school),
        chief=make_user("chief", Role.BUREAU_ADMIN, bureau),
        ming=ming,
        hong=hong,
        hua=hua,
        gang=gang,
        wei=wei,
        mum=mum,
        dad=dad,
        hua_mum=hua_mum,
        gang_dad=gang_dad,
        gang_mum=gang_mum,
        wei_dad=wei_dad,
    )


@pytest.fixture
def api():
    def client_for(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


NOTICE = {
    "title": "春游通知",
    "body": "<p>本周五春游，请<strong>确认</strong>。</p><script>alert(1)</script>",
    "ack": "confirm",
    "channels": ["inbox", "email", "sms"],
}


@pytest.fixture
def notice_data():
    def make(**overrides) -> dict:
        return {**NOTICE, "audience": {"classes": ["cn-g1c1", "cn-g1c2"]}, **overrides}

    return make
