"""Notices benchmark (issue 13) on PostgreSQL; skipped on SQLite.

1. Sending to 100,000 guardians of 2,000 classes: the send task's freezing (one Recipient
   per guardian, RecipientChild per child, the in-app Delivery, the bell notification) in
   under 10 s. Three notices to the same audience are sent one after the other; the median
   is asserted and all three are printed.
2. A guardian with 500 notices: ``GET /api/v1/inbox/`` p95 under 50 ms (200 requests
   through the Django test client after a warm-up).

Seeding is fast: users are bulk-created with one unusable password hash computed once, the
classes with paths computed the way treebeard computes them.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import connection
from django.utils import timezone

N_SCHOOLS = 10
CLASSES_PER_SCHOOL = 200  # 2,000 classes
PUPILS_PER_CLASS = 50  # 100,000 pupils, one guardian each
SIBLING_EVERY = 20  # every 20th guardian has a second child in the next seat
RUNS = 3
TARGET_SECONDS = 10.0
INBOX_NOTICES = 500
INBOX_REQUESTS = 200
INBOX_P95_MS = 50.0
SEED_BATCH = 10_000

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the notices benchmark needs PostgreSQL (DATABASE_URL=postgres://…)")
    settings.LANGUAGE_CODE = "zh-hans"


def _classes(bureau):
    from edu_portal.accounts import actions
    from edu_portal.accounts.actions import SYSTEM
    from edu_portal.accounts.models import OrgUnit

    Kind = OrgUnit.Kind
    classes = []
    for s in range(N_SCHOOLS):
        school = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, f"第{s + 1}小学", f"b-s{s}")
        grade = actions.create_org_unit(SYSTEM, school, Kind.GRADE, "一年级", f"b-s{s}-g1")
        rows = [
            OrgUnit(
                path=OrgUnit._get_path(grade.path, grade.depth + 1, c + 1),
                depth=grade.depth + 1,
                numchild=0,
                name=f"{c + 1}班",
                kind=Kind.CLASS,
                code=f"b-s{s}-c{c}",
            )
            for c in range(CLASSES_PER_SCHOOL)
        ]
        classes += OrgUnit.objects.bulk_create(rows)
        OrgUnit.objects.filter(pk=grade.pk).update(numchild=CLASSES_PER_SCHOOL)
    return classes


def _seed():
    """Bureau, schools and classes, pupils with their role, guardians linked to them."""
    from django.contrib.auth.hashers import make_password

    from edu_portal.accounts import actions
    from edu_portal.accounts.actions import SYSTEM
    from edu_portal.accounts.models import GuardianLink, OrgUnit, RoleAssignment, User
    from edu_portal.accounts.roles import Role

    started = time.perf_counter()
    bureau = actions.create_org_unit(SYSTEM, None, OrgUnit.Kind.BUREAU, "示范县教育局", "b-root")
    classes = _classes(bureau)
    unusable = make_password(None)
    pupils, guardians = [], []
    for index, unit in enumerate(classes):
        for seat in range(PUPILS_PER_CLASS):
            n = index * PUPILS_PER_CLASS + seat
            pupils.append(
                User(
                    username=f"p{n}",
                    password=unusable,
                    display_name=f"学生{n}",
                    org_unit=unit,
                )
            )
            guardians.append(
                User(
                    username=f"139{n:08d}",
                    password=unusable,
                    display_name=f"家长{n}",
                    phone=f"139{n:08d}",
                )
            )
    pupils = User.objects.bulk_create(pupils, batch_size=SEED_BATCH)
    guardians = User.objects.bulk_create(guardians, batch_size=SEED_BATCH)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=p, role=Role.STUDENT, org_unit_id=p.org_unit_id) for p in pupils],
        batch_size=SEED_BATCH,
    )
    links = [
        GuardianLink(guardian=g, student=p, relation="mother")
        for g, p in zip(guardians, pupils, strict=True)
    ]
    links += [
        GuardianLink(guardian=guardians[i], student=pupils[i + 1], relation="mother")
        for i in range(0, len(pupils) - 1, SIBLING_EVERY)
    ]
    GuardianLink.objects.bulk_create(links, batch_size=SEED_BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    chief = User.objects.create_user("chief", org_unit=bureau)
    actions.assign_role(SYSTEM, chief, Role.BUREAU_ADMIN, bureau)
    print(
        f"\nseeded {len(classes)} classes, {len(pupils)} pupils, {len(guardians)} guardians, "
        f"{len(links)} links in {time.perf_counter() - started:.1f} s"
    )
    return bureau, chief, guardians


def test_send_to_100k_guardians(settings):
    from edu_portal.accounts.models import User
    from edu_portal.messaging import actions, sending
    from edu_portal.messaging.models import Delivery, Notice, Recipient, RecipientChild
    from edu_portal.notifications.models import Notification

    _bureau, chief, guardians = _seed()
    chief = User.objects.get(pk=chief.pk)
    schools = [f"b-s{s}" for s in range(N_SCHOOLS)]
    times = []
    for run in range(RUNS):
        notice = actions.create_notice(
            chief,
            title=f"期末安排 {run}",
            body="<p>请家长知悉。</p>",
            audience={"schools": schools},
            ack="read",
            channels=["inbox"],
        )
        assert sending.start(notice.pk)
        started = time.perf_counter()
        added = sending.freeze(notice.pk)
        times.append(time.perf_counter() - started)
        assert added == len(guardians)
        assert Notice.objects.get(pk=notice.pk).state == Notice.State.SENT
        assert Recipient.objects.filter(notice=notice).count() == len(guardians)
        assert Delivery.objects.filter(notice=notice, channel="inbox").count() == len(guardians)
        children = RecipientChild.objects.filter(recipient__notice=notice).count()
        assert children == len(guardians) + len(range(0, len(guardians) - 1, SIBLING_EVERY))
        link = f"/notices/inbox/{notice.pk}/"
        assert Notification.objects.filter(link=link).count() == len(guardians)
    median = statistics.median(times)
    print(
        f"freezing {len(guardians)} guardians of {N_SCHOOLS * CLASSES_PER_SCHOOL} classes: "
        f"median {median:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}; "
        f"target < {TARGET_SECONDS:.0f} s)"
    )
    assert median < TARGET_SECONDS


def test_inbox_of_500_notices_p95(client, settings):
    from edu_portal.accounts import actions
    from edu_portal.accounts.actions import SYSTEM
    from edu_portal.accounts.models import OrgUnit, User
    from edu_portal.accounts.roles import Role
    from edu_portal.messaging.consent import CONSENT_VERSION
    from edu_portal.messaging.models import (
        ChannelPreference,
        Delivery,
        Notice,
        Recipient,
        RecipientChild,
    )

    Kind = OrgUnit.Kind
    bureau = actions.create_org_unit(SYSTEM, None, Kind.BUREAU, "示范县教育局", "i-root")
    school = actions.create_org_unit(SYSTEM, bureau, Kind.SCHOOL, "城南小学", "i-s")
    grade = actions.create_org_unit(SYSTEM, school, Kind.GRADE, "一年级", "i-g")
    klass = actions.create_org_unit(SYSTEM, grade, Kind.CLASS, "1班", "i-c")
    teacher = User.objects.create_user("t", org_unit=school)
    actions.assign_role(SYSTEM, teacher, Role.TEACHER, school)
    child = User.objects.create_user("kid", org_unit=klass, display_name="张小明")
    actions.assign_role(SYSTEM, child, Role.STUDENT, klass)
    mum = User.objects.create_user("13800000001", org_unit=school, display_name="王芳")
    actions.link_guardian(SYSTEM, mum, child, "mother")
    ChannelPreference.objects.create(
        user=mum, consent_at=timezone.now(), consent_version=CONSENT_VERSION
    )
    now = timezone.now()
    notices = Notice.objects.bulk_create(
        Notice(
            sender=teacher,
            org_unit=school,
            title=f"通知 {n}",
            body="<p>内容</p>",
            audience={"classes": ["i-c"]},
            channels=["inbox"],
            ack=("read", "confirm", "reply")[n % 3],
            reply_choices=["同意", "不同意"] if n % 3 == 2 else [],
            state=Notice.State.SENT,
            sent_at=now - timezone.timedelta(minutes=n),
            created_at=now - timezone.timedelta(minutes=n),
        )
        for n in range(INBOX_NOTICES)
    )
    recipients = Recipient.objects.bulk_create(
        Recipient(
            notice=n,
            user=mum,
            created_at=n.created_at,
            read_at=n.created_at if i % 2 else None,
        )
        for i, n in enumerate(notices)
    )
    RecipientChild.objects.bulk_create(
        RecipientChild(recipient=r, student=child, class_unit=klass, student_name="张小明")
        for r in recipients
    )
    Delivery.objects.bulk_create(
        Delivery(notice_id=r.notice_id, recipient=r, channel="inbox", state="delivered")
        for r in recipients
    )
    client.force_login(mum)
    for _ in range(10):
        assert client.get("/api/v1/inbox/").status_code == 200
    times = []
    for _ in range(INBOX_REQUESTS):
        started = time.perf_counter()
        response = client.get("/api/v1/inbox/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    body = response.json()
    assert body["count"] == INBOX_NOTICES and len(body["results"]) == 20
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"\ninbox of {INBOX_NOTICES} notices: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 < {INBOX_P95_MS:.0f} ms)"
    )
    assert p95 < INBOX_P95_MS
