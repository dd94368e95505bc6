"""Demo data of home-school notices (issue 13), seeded by ``manage.py seed_catalog`` after
``seed_demo`` made the org tree and the demo accounts.

- Two classes of 城南小学 (一年级(1)班 and (2)班) get pupils and guardians through the school
  console's own roster import (as the platform); 周杰 has a child in each class, and so
  does the demo account ``guardian`` (赵敏): her 赵磊 in (1)班 and 赵小雨 in (2)班.
- The demo ``teacher`` (李华) sends a permission slip to both classes (reply 同意/不同意,
  in-app and SMS; the file SMS backend writes the messages under ``var/sms/``); three
  guardians have answered, the others (赵敏 among them) have not, so the report has names
  to remind and the demo guardian a notice to answer.

Idempotent: the roster import changes nothing the second time; the notice is found by its
title and sender and is not sent again; only guardians who have not answered are answered.
The SMS phone numbers are in the 139 0000 00xx range, which nobody is given.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction

from edu_portal.accounts import actions as account_actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import GuardianLink, OrgUnit, User
from edu_portal.messaging import actions, receipts, sending
from edu_portal.messaging.models import Notice, Recipient
from edu_portal.schools import actions as school_actions
from edu_portal.schools import roster

SCHOOL = "demo-chengnan"
CLASSES = ("demo-chengnan-g1c1", "demo-chengnan-g1c2")
C1, C2 = "一年级(1)班", "一年级(2)班"

# 年级, 班级, 学号, 学生姓名, 监护人姓名, 关系, 手机号, 邮箱
ROSTER = [
    ("一年级", C1, "20240002", "钱多多", "钱进", "父亲", "13900000001", ""),
    ("一年级", C1, "20240003", "孙小美", "孙丽娟", "母亲", "13900000002", "sunlijuan@example.com"),
    ("一年级", C1, "20240004", "周一鸣", "周杰", "父亲", "13900000003", ""),
    ("一年级", C2, "20240005", "周二乔", "周杰", "父亲", "13900000003", ""),
    ("一年级", C2, "20240006", "吴桐", "吴芳", "母亲", "13900000004", ""),
    ("一年级", C2, "20240007", "郑浩", "郑强", "父亲", "13900000005", ""),
    # The demo guardian's second child: linked below (her account name is not a number).
    ("一年级", C2, "20240008", "赵小雨", "", "", "", ""),
]
SECOND_CHILD = "20240008"

TITLE = "春季研学活动家长回执"
BODY = (
    "<p>各位家长：</p>"
    "<p>本校定于下周五组织一年级学生赴县科技馆开展春季研学活动，早上 8:00 在校门口集合乘车，"
    "下午 3:30 返校。请为孩子准备饮用水和午餐。</p>"
    "<p>请在本周三前回复是否<strong>同意</strong>孩子参加。</p>"
)
# (guardian account name, answer): the others have not answered.
ANSWERS = [("13900000001", "同意"), ("13900000002", "不同意"), ("13900000003", "同意")]


def _rows() -> list[roster.RosterRow]:
    return [
        roster.RosterRow(
            line=number,
            grade=grade,
            klass=klass,
            number=student,
            name=name,
            guardian_name=guardian,
            relation=relation,
            phone=phone,
            email=email,
        )
        for number, (grade, klass, student, name, guardian, relation, phone, email) in enumerate(
            ROSTER, start=2
        )
    ]


def seed_people() -> int:
    """Pupils and guardians of the two classes; the number of accounts created."""
    school = OrgUnit.objects.get(code=SCHOOL)
    result = school_actions.import_roster(SYSTEM, school, _rows())
    guardian = User.objects.filter(username="guardian").first()
    if guardian is not None:
        child = User.objects.get(
            student_profile__school=school, student_profile__student_number=SECOND_CHILD
        )
        account_actions.link_guardian(SYSTEM, guardian, child, GuardianLink.Relation.MOTHER)
    return len(result.credentials)


@contextmanager
def _tasks_in_process():
    """The demo has no worker yet: the send task (and the SMS dispatch it queues) runs here."""
    from edu_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def seed_notice() -> Notice | None:
    """The permission slip, sent, with some answers; None without the demo teacher."""
    teacher = User.objects.filter(username="teacher").first()
    if teacher is None:
        return None
    notice = Notice.objects.filter(sender=teacher, title=TITLE).first()
    if notice is None:
        notice = actions.create_notice(
            teacher,
            title=TITLE,
            body=BODY,
            audience={"classes": list(CLASSES)},
            ack=Notice.Ack.REPLY,
            reply_choices=["同意", "不同意"],
            channels=["inbox", "sms"],
        )
    if notice.state in Notice.EDITABLE:
        with _tasks_in_process():
            actions.send_now(teacher, notice)
    notice.refresh_from_db()
    if notice.state == Notice.State.SENDING:
        # Inside an outer transaction the send task waits for a commit that has not come
        # (and a run interrupted half-way left it so): freezing is idempotent, so do it here.
        sending.freeze(notice.pk)
        sending.dispatch(seconds=30)
        notice.refresh_from_db()
    for username, answer in ANSWERS:
        recipient = (
            Recipient.objects.filter(
                notice=notice, user__username=username, replied_at__isnull=True
            )
            .select_related("notice")
            .first()
        )
        if recipient is not None:
            receipts.reply(recipient, answer, "")
    return notice


def seed() -> dict:
    with transaction.atomic():
        created = seed_people()
    notice = seed_notice()
    return {
        "accounts": created,
        "notice": notice,
        "recipients": Recipient.objects.filter(notice=notice).count() if notice else 0,
    }
