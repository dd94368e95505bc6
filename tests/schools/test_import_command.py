"""``manage.py import_roster FILE --school CODE``: the interface outside tools use."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import GuardianLink, StudentProfile, User
from edu_portal.accounts.roles import Role
from tests.people import make_user
from tests.schools.rosters import HEADER, ROWS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

EMAIL_HEADER = [*HEADER, "邮箱"]
EMAIL_ROWS = [
    [*ROWS[0], "zhangwei@example.com"],
    [*ROWS[1], ""],
    [*ROWS[2], "WangFang@Example.COM"],
    [*ROWS[3], ""],
]


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_roster", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def rejected(*args) -> CommandError:
    with translation.override("en"), pytest.raises(CommandError) as info:
        call_command("import_roster", *[str(a) for a in args], stdout=io.StringIO())
    return info.value


def state():
    return (
        sorted(User.objects.values_list("username", "display_name", "email", "org_unit")),
        sorted(GuardianLink.objects.values_list("guardian__username", "student__username")),
        LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count(),
    )


def read_report(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_imports_with_email_and_is_idempotent(schools, tmp_path, kind):
    data = (csv_bytes if kind == "csv" else xlsx_bytes)(EMAIL_ROWS, header=EMAIL_HEADER)
    roster = tmp_path / f"roster.{kind}"
    roster.write_bytes(data)

    out = run(roster, "--school", "cn")
    assert "Students: 3 created, 0 updated, 0 unchanged" in out
    assert "Guardians: 3 created, 0 updated, 0 unchanged" in out
    assert "Guardian links: 4 linked, 0 updated, 0 unchanged" in out
    # Passwords are never printed; the way to print sheets is.
    assert "6 new accounts" in out and "school console" in out
    numbers = StudentProfile.objects.filter(school=schools.a)
    assert set(numbers.values_list("student_number", flat=True)) == {
        "2024001",
        "2024002",
        "2024003",
    }
    emails = dict(User.objects.filter(username__startswith="138").values_list("username", "email"))
    assert emails == {
        "13800000001": "zhangwei@example.com",
        "13800000002": "",
        "13800000003": "WangFang@example.com",  # the domain normalised, the name kept
    }
    # Audited as the platform: entries without a person as actor.
    entry = LogEntry.objects.get(
        content_type__model="user",
        object_pk=str(User.objects.get(username="cn-2024001").pk),
        action=LogEntry.Action.CREATE,
    )
    assert entry.actor is None

    before = state()
    again = run(roster, "--school", "cn")
    assert state() == before
    assert "Students: 0 created, 0 updated, 3 unchanged" in again
    assert "Guardians: 0 created, 0 updated, 3 unchanged" in again
    assert "Guardian links: 0 linked, 0 updated, 4 unchanged" in again
    assert "Nothing to change" in again
    assert not (tmp_path / "roster.rejected.csv").exists()


def test_email_of_an_existing_guardian_is_updated_once(schools, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes())
    run(roster, "--school", "cn")
    roster.write_bytes(csv_bytes(EMAIL_ROWS, header=EMAIL_HEADER))
    out = run(roster, "--school", "cn")
    assert "Guardians: 0 created, 2 updated, 1 unchanged" in out
    assert User.objects.get(username="13800000001").email == "zhangwei@example.com"
    # An empty 邮箱 cell leaves an address alone.
    roster.write_bytes(csv_bytes())
    assert "Guardians: 0 created, 0 updated, 3 unchanged" in run(roster, "--school", "cn")
    assert User.objects.get(username="13800000001").email == "zhangwei@example.com"


def test_bad_rows_import_nothing_and_are_reported(schools, tmp_path):
    rows = [
        *EMAIL_ROWS[:2],
        ["一年级", "9班", "2024002", "李雷", "王芳", "母亲", "13800000003", ""],
        ["一年级", "2班", "2024003", "李梅", "王芳", "母亲", "1380000", "not-an-address"],
    ]
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes(rows, header=EMAIL_HEADER))
    before = state()
    error = rejected(roster, "--school", "cn")
    assert error.returncode == 1
    assert "nothing was imported" in str(error)
    assert state() == before
    assert not StudentProfile.objects.exists()
    report = read_report(tmp_path / "roster.rejected.csv")
    assert report[0] == ["row", "column", "message"]
    problems = {(row, column) for row, column, _message in report[1:]}
    assert problems == {("4", "班级"), ("5", "手机号"), ("5", "邮箱")}
    assert any("9班" in message for _r, _c, message in report[1:])

    # --report puts it elsewhere; --dry-run rejects the same way and changes nothing.
    elsewhere = tmp_path / "out" / "problems.csv"
    elsewhere.parent.mkdir()
    assert rejected(roster, "--school", "cn", "--report", elsewhere).returncode == 1
    assert len(read_report(elsewhere)) == 4
    assert rejected(roster, "--school", "cn", "--dry-run").returncode == 1
    assert state() == before


def test_dry_run_changes_nothing(schools, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes())
    before = state()
    out = run(roster, "--school", "cn", "--dry-run")
    assert "Students: 3 created" in out and "nothing was changed" in out
    assert state() == before


def test_unknown_school_and_unreadable_files(schools, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes())
    error = rejected(roster, "--school", "nowhere")
    assert error.returncode == 2
    assert "No school has the code “nowhere”" in str(error) and "cn" in str(error)
    # A class code, not a school's, is no school either.
    assert rejected(roster, "--school", "cn-g1c1").returncode == 2
    assert rejected(tmp_path / "missing.csv", "--school", "cn").returncode == 2
    headless = tmp_path / "headless.csv"
    headless.write_bytes(b"a,b\n1,2\n")
    error = rejected(headless, "--school", "cn")
    assert error.returncode == 2 and "学号" in str(error)
    assert not StudentProfile.objects.exists()


def test_passwords_file_is_private(schools, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes())
    secrets = tmp_path / "passwords.csv"
    secrets.write_text("old")
    os.chmod(secrets, 0o644)
    out = run(roster, "--school", "cn", "--passwords", secrets)
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    rows = read_report(secrets)[1:]
    assert {row[0] for row in rows} == {
        "cn-2024001",
        "cn-2024002",
        "cn-2024003",
        "13800000001",
        "13800000002",
        "13800000003",
    }
    user = User.objects.get(username=rows[0][0])
    assert user.check_password(rows[0][3]) and user.must_change_password
    for row in rows:
        assert row[3] not in out  # never printed


def test_class_option_for_rows_without_a_class(schools, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes([["2024009", "赵六"]], header=["学号", "学生姓名"]))
    assert rejected(roster, "--school", "cn").returncode == 1
    run(roster, "--school", "cn", "--class", "cn-g1c2")
    assert User.objects.get(username="cn-2024009").org_unit == schools.a_class2
    assert rejected(roster, "--school", "cn", "--class", "cb-g1c1").returncode == 2


def test_console_reads_the_email_column_too(schools, tmp_path, admin_a):
    url = reverse("schools:import", args=[schools.a.pk])
    data = csv_bytes(EMAIL_ROWS, header=EMAIL_HEADER)
    page = admin_a.post(url, {"file": SimpleUploadedFile("r.csv", data), "unit": ""})
    assert page.status_code == 200
    admin_a.post(url, {"step": "confirm"})
    assert User.objects.get(username="13800000001").email == "zhangwei@example.com"

    # A guardian shared with another school: this school may not change the address.
    other = make_user("cb-1", Role.STUDENT, schools.b_class1, display_name="王小")
    actions.link_guardian(SYSTEM, User.objects.get(username="13800000003"), other, "mother")
    rows = [[*row[:7], "new@example.com" if row[6] == "13800000003" else ""] for row in ROWS]
    data = csv_bytes(rows, header=EMAIL_HEADER)
    admin_a.post(url, {"file": SimpleUploadedFile("r.csv", data), "unit": ""})
    page = admin_a.post(url, {"step": "confirm"}).content.decode()
    assert "also belongs to another school" in page
    assert User.objects.get(username="13800000003").email == "WangFang@example.com"


def test_output_in_chinese(schools, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes())
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("import_roster", str(roster), "--school", "cn", stdout=out)
    assert "学生：新建 3，更新 0，未变 0" in out.getvalue()
    assert "监护关系：新关联 4" in out.getvalue()
