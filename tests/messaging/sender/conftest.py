"""Two schools (tests/schools), pupils and guardians in two classes of school A and one of
school B, a class teacher of A's class 1; sending runs its tasks at once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from edu_portal.accounts import actions as account_actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import User
from edu_portal.accounts.roles import Role
from tests.people import make_user
from tests.schools.conftest import _english, admin_a, admin_b, client_for, schools  # noqa: F401


@dataclass
class Families:
    pupils1: list[User]  # A, class 1
    pupils2: list[User]  # A, class 2
    pupil_b: User  # B, class 1
    guardians1: list[User]  # one per pupil of class 1
    both: User  # a guardian with a child in class 1 and one in class 2
    guardian_b: User
    class_teacher: User  # teacher of A's class 1 only


def guardian(username, name, phone, school_unit, *children, relation="mother"):
    user = make_user(username, None, school_unit, display_name=name, phone=phone)
    for child in children:
        account_actions.link_guardian(SYSTEM, user, child, relation)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def families(schools) -> Families:  # noqa: F811
    pupils1 = [
        make_user(f"p1_{i}", Role.STUDENT, schools.a_class1, display_name=name)
        for i, name in enumerate(["张小明", "李小红", "王小刚"])
    ]
    pupils2 = [make_user("p2_0", Role.STUDENT, schools.a_class2, display_name="赵小丽")]
    pupil_b = make_user("pb_0", Role.STUDENT, schools.b_class1, display_name="钱小北")
    guardians1 = [
        guardian("g1_0", "张爸爸", "13800000001", schools.a, pupils1[0], relation="father"),
        guardian("g1_1", "李妈妈", "13800000002", schools.a, pupils1[1]),
    ]
    both = guardian("g_both", "王妈妈", "13800000003", schools.a, pupils1[2], pupils2[0])
    guardian_b = guardian("g_b", "钱爸爸", "13800000009", schools.b, pupil_b)
    teacher = make_user("teacher_c1", Role.TEACHER, schools.a_class1, display_name="刘老师")
    return Families(pupils1, pupils2, pupil_b, guardians1, both, guardian_b, teacher)


@pytest.fixture
def eager(settings, django_capture_on_commit_callbacks):
    """Run what actions queue after commit, with Celery tasks inline: ``with eager(): ...``.

    The Celery app's own configuration is switched: it reads the Django setting once, so
    changing ``CELERY_TASK_ALWAYS_EAGER`` after another test used the app did nothing and
    the task went to the broker instead (the test passed alone, failed in the suite)."""
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    yield run
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
