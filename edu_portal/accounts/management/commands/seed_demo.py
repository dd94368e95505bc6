"""Create a small demo organisation and one account per role. Safe to run again.

The first run prints each new account's password once, in a table; later runs create only
what is missing and never print a password that was shown before.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import GuardianLink, OrgUnit, StudentProfile, User
from edu_portal.accounts.roles import Role

Kind = OrgUnit.Kind

# (code, parent code, kind, name, extra fields). Parents come before their children.
ORG_TREE: list[tuple[str, str | None, str, str, dict[str, str]]] = [
    ("demo-bureau", None, Kind.BUREAU, "示范县教育局", {"phone": "0000-1000000"}),
    (
        "demo-office",
        "demo-bureau",
        Kind.DEPARTMENT,
        "办公室",
        {
            "phone": "0000-1000001",
            "duties": "负责局机关日常运转、文秘、政务公开、信访和依申请公开的受理与答复。",
            "address": "示范县人民路88号教育局办公楼3楼301室",
            "head": "周明",
        },
    ),
    (
        "demo-basic-edu",
        "demo-bureau",
        Kind.DEPARTMENT,
        "基础教育科",
        {
            "phone": "0000-1000012",
            "duties": "负责全县中小学教育教学管理、课程实施和教研指导。",
            "address": "示范县人民路88号教育局办公楼4楼405室",
            "head": "吴晓燕",
        },
    ),
    (
        "demo-av-center",
        "demo-bureau",
        Kind.DEPARTMENT,
        "电教馆",
        {
            "phone": "0000-1000023",
            "duties": "负责教育信息化建设、教育资源平台运行和数字资源建设。",
            "address": "示范县文化路16号电教馆2楼",
            "head": "郑国强",
        },
    ),
    ("demo-chengnan", "demo-bureau", Kind.SCHOOL, "城南小学", {}),
    ("demo-chengnan-g1", "demo-chengnan", Kind.GRADE, "一年级", {}),
    ("demo-chengnan-g1c1", "demo-chengnan-g1", Kind.CLASS, "一年级(1)班", {}),
    ("demo-chengnan-g1c2", "demo-chengnan-g1", Kind.CLASS, "一年级(2)班", {}),
    ("demo-shiyan", "demo-bureau", Kind.SCHOOL, "实验初级中学", {}),
    ("demo-shiyan-g7", "demo-shiyan", Kind.GRADE, "七年级", {}),
    ("demo-shiyan-g7c1", "demo-shiyan-g7", Kind.CLASS, "七年级(1)班", {}),
    ("demo-shiyan-g7c2", "demo-shiyan-g7", Kind.CLASS, "七年级(2)班", {}),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    unit_code: str
    superuser: bool = False
    # Where the role is held when not at the person's own unit: the office reviewer is a
    # member of the office, but the role is held at the bureau so it covers every school.
    role_unit_code: str | None = None


DEMO_USERS = [
    DemoUser("bureau_admin", "张伟", Role.BUREAU_ADMIN, "demo-bureau", superuser=True),
    DemoUser("dept_editor", "刘洋", Role.DEPARTMENT_EDITOR, "demo-basic-edu"),
    DemoUser(
        "office_reviewer", "陈静", Role.OFFICE_REVIEWER, "demo-office", role_unit_code="demo-bureau"
    ),
    DemoUser("school_admin", "王芳", Role.SCHOOL_ADMIN, "demo-chengnan"),
    DemoUser("school_reviewer", "孙丽", Role.SCHOOL_REVIEWER, "demo-chengnan"),
    DemoUser("teacher", "李华", Role.TEACHER, "demo-chengnan"),
    DemoUser("student", "赵磊", Role.STUDENT, "demo-chengnan-g1c1"),
    DemoUser("guardian", "赵敏", Role.GUARDIAN, "demo-chengnan-g1c1"),
]


class Command(BaseCommand):
    help = "Create a demo org tree and one account per role (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            new_units = self._org_tree()
            created = self._users()
            self._family()
        if new_units:
            self.stdout.write(_("Created %(count)d organisation units.") % {"count": new_units})
        if created:
            self._print_table(created)
        existing = len(DEMO_USERS) - len(created)
        if existing:
            self.stdout.write(
                _(
                    "%(count)d demo account(s) already exist; their passwords were shown when "
                    "they were created and are not stored anywhere readable.\n"
                    "To set a new password: python manage.py changepassword <username>"
                )
                % {"count": existing}
            )
        if not new_units and not created:
            self.stdout.write(_("Demo data already present; nothing changed."))

    def _org_tree(self) -> int:
        made = 0
        for code, parent_code, kind, name, extra in ORG_TREE:
            if OrgUnit.objects.filter(code=code).exists():
                continue
            parent = OrgUnit.objects.get(code=parent_code) if parent_code else None
            actions.create_org_unit(SYSTEM, parent, kind, name, code, **extra)
            made += 1
        return made

    def _users(self) -> list[tuple[DemoUser, OrgUnit, str]]:
        created = []
        for demo in DEMO_USERS:
            unit = OrgUnit.objects.get(code=demo.unit_code)
            user = User.objects.filter(username=demo.username).first()
            if user is None:
                password = actions.random_password(
                    user=User(username=demo.username, display_name=demo.display_name)
                )
                user = actions.create_user(
                    SYSTEM,
                    demo.username,
                    password=password,
                    display_name=demo.display_name,
                    org_unit=unit,
                    is_staff=demo.superuser,
                    is_superuser=demo.superuser,
                )
                created.append((demo, unit, password))
            # Idempotent: does nothing when the user already holds the role there.
            role_unit = (
                OrgUnit.objects.get(code=demo.role_unit_code) if demo.role_unit_code else unit
            )
            actions.assign_role(SYSTEM, user, demo.role, role_unit)
        return created

    def _family(self) -> None:
        """The demo guardian is the demo student's mother (a GuardianLink, not only a role
        at the class), and the student has a student number. Idempotent."""
        student = User.objects.get(username="student")
        StudentProfile.objects.get_or_create(
            user=student,
            defaults={
                "school": OrgUnit.objects.get(code="demo-chengnan"),
                "student_number": "20240001",
            },
        )
        guardian = User.objects.get(username="guardian")
        actions.link_guardian(SYSTEM, guardian, student, GuardianLink.Relation.MOTHER)

    def _print_table(self, rows: list[tuple[DemoUser, OrgUnit, str]]) -> None:
        header = (_("username"), _("role"), _("org unit"), _("password"))
        lines = [
            (demo.username, str(Role(demo.role).label), f"{unit.name} ({unit.code})", password)
            for demo, unit, password in rows
        ]
        widths = [max(_width(row[i]) for row in [header, *lines]) for i in range(4)]

        def fmt(row) -> str:
            return "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()

        self.stdout.write(_("New demo accounts (passwords are shown only this once):"))
        self.stdout.write(fmt(header))
        self.stdout.write("  ".join("-" * w for w in widths))
        for line in lines:
            self.stdout.write(fmt(line))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
