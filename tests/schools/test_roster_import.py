"""Roster import through the console: preview, per-row errors, all or nothing, idempotent."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edu_portal.accounts.models import GuardianLink, RoleAssignment, StudentProfile, User
from edu_portal.accounts.roles import Role
from tests.schools.rosters import ROWS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def upload(client, school, data, name="roster.csv", unit=""):
    url = reverse("schools:import", args=[school.pk])
    file = SimpleUploadedFile(name, data)
    return client.post(url, {"step": "upload", "file": file, "unit": unit})


def confirm(client, school):
    return client.post(reverse("schools:import", args=[school.pk]), {"step": "confirm"})


def counts():
    return (
        User.objects.count(),
        GuardianLink.objects.count(),
        StudentProfile.objects.count(),
        RoleAssignment.objects.count(),
    )


def assert_imported(schools):
    profiles = {p.student_number: p.user for p in StudentProfile.objects.filter(school=schools.a)}
    assert set(profiles) == {"2024001", "2024002", "2024003"}
    xiaoming = profiles["2024001"]
    assert xiaoming.username == "cn-2024001"
    assert xiaoming.org_unit == schools.a_class1
    assert profiles["2024003"].org_unit == schools.a_class2
    # Two guardians for one child.
    assert {link.guardian.username for link in xiaoming.guardian_links.all()} == {
        "13800000001",
        "13800000002",
    }
    assert xiaoming.guardian_links.get(guardian__username="13800000002").relation == "mother"
    # One guardian (one phone number) with children in two classes: one account, two links.
    wang = User.objects.get(username="13800000003")
    assert User.objects.filter(phone="13800000003").count() == 1
    assert {link.student.username for link in wang.children_links.all()} == {
        "cn-2024002",
        "cn-2024003",
    }
    held = set(
        RoleAssignment.objects.filter(user=wang, role=Role.GUARDIAN).values_list(
            "org_unit__code", flat=True
        )
    )
    assert held == {"cn-g1c1", "cn-g1c2"}
    assert xiaoming.must_change_password


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("roster.xlsx", xlsx_bytes()),
        ("roster.csv", csv_bytes(encoding="gbk")),
        ("roster.csv", csv_bytes(encoding="utf-8-sig")),
        ("roster.csv", csv_bytes(encoding="utf-8")),
    ],
    ids=["xlsx", "gbk-csv", "utf8-bom-csv", "utf8-csv"],
)
def test_preview_then_import(schools, admin_a, name, data):
    before = counts()
    response = upload(admin_a, schools.a, data, name)
    assert response.status_code == 200
    page = response.content.decode()
    assert "张小明" in page and "李梅" in page and "13800000003" in page
    assert 'name="step" value="confirm"' in page
    # The preview writes nothing.
    assert counts() == before

    response = confirm(admin_a, schools.a)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert_imported(schools)
    # The sheet shows each new account once, with a password that signs in.
    assert page.count("cn-2024001") == 1
    assert "13800000003" in page
    passwords = re.findall(r'class="password-cell">([^<]+)<', page)
    assert len(passwords) == 3 + 3  # three students, three guardians
    assert not any(p in str(User.objects.values_list("password", flat=True)) for p in passwords)


def test_reimport_changes_nothing(schools, admin_a):
    upload(admin_a, schools.a, csv_bytes())
    confirm(admin_a, schools.a)
    before = counts()
    hashes = dict(User.objects.values_list("username", "password"))
    entries = LogEntry.objects.count()

    response = upload(admin_a, schools.a, xlsx_bytes(), "again.xlsx")
    page = response.content.decode()
    assert "Import (nothing will change)" in page
    response = confirm(admin_a, schools.a)
    assert response.status_code == 200
    assert "No new accounts" in response.content.decode()
    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert LogEntry.objects.count() == entries


def test_reimport_updates_changed_rows_only(schools, admin_a):
    upload(admin_a, schools.a, csv_bytes())
    confirm(admin_a, schools.a)
    link = GuardianLink.objects.get(guardian__username="13800000002")
    link.receives_notices = False  # a court order, set by the school
    link.save()
    rows = [list(r) for r in ROWS]
    rows[2][1] = "2班"  # 李雷 moves to 2班
    rows[1][5] = "其他监护人"
    upload(admin_a, schools.a, csv_bytes(rows))
    response = confirm(admin_a, schools.a)
    assert response.status_code == 200
    lilei = User.objects.get(username="cn-2024002")
    assert lilei.org_unit == schools.a_class2
    assert set(lilei.role_assignments.values_list("org_unit", flat=True)) == {schools.a_class2.pk}
    link.refresh_from_db()
    assert link.relation == "other"
    assert link.receives_notices is False  # the file never overrides the flag
    wang = User.objects.get(username="13800000003")
    assert set(
        wang.role_assignments.filter(role=Role.GUARDIAN).values_list("org_unit", flat=True)
    ) == {schools.a_class2.pk}


BAD_ROWS = [
    ["一年级", "1班", "2024001", "张小明", "张伟", "父亲", "13800000001"],
    ["一年级", "9班", "2024002", "李雷", "王芳", "母亲", "13800000003"],  # unknown class
    ["一年级", "1班", "2024003", "李梅", "王芳", "母亲", "1380000"],  # malformed phone
    ["一年级", "1班", "2024001", "张晓明", "刘娜", "母亲", "13800000002"],  # 学号, other name
    ["一年级", "1班", "2024004", "", "", "", ""],  # missing name
    ["一年级", "1班", "2024005", "韩梅梅", "韩强", "舅舅", "13800000005"],  # relation
    ["三年级", "1班", "2024006", "赵六", "", "", ""],  # unknown grade
    ["一年级", "1班", "2024007", "钱七", "钱八", "父亲", "23800000007"],  # not starting with 1
]


def test_errors_per_row_and_nothing_written(schools, admin_a):
    before = counts()
    response = upload(admin_a, schools.a, csv_bytes(BAD_ROWS, encoding="gb18030"))
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert 'value="confirm"' not in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    by_line = {(int(line), column) for line, column, _message in rows}
    assert (3, "班级") in by_line
    assert (4, "手机号") in by_line
    assert (5, "学号") in by_line
    assert (6, "学生姓名") in by_line
    assert (7, "关系") in by_line
    assert (8, "年级") in by_line
    assert (9, "手机号") in by_line
    assert not any(line == 2 for line, _column in by_line)
    messages = " ".join(message for _l, _c, message in rows)
    assert "11 digits" in messages and "row 2" in messages
    # Even a confirm forced after the preview imports nothing.
    response = confirm(admin_a, schools.a)
    assert "Nothing was imported" in response.content.decode()
    assert counts() == before


def test_an_error_found_at_confirm_rolls_everything_back(schools, admin_a):
    upload(admin_a, schools.a, csv_bytes())
    # Between preview and confirm someone takes one of the account names.
    User.objects.create_user("cn-2024003")
    before = counts()
    response = confirm(admin_a, schools.a)
    assert "Nothing was imported" in response.content.decode()
    assert counts() == before


def test_bad_files(schools, admin_a):
    response = upload(admin_a, schools.a, b"", "empty.csv")
    assert response.status_code == 200
    response = upload(admin_a, schools.a, "姓名,年龄\n张三,7\n".encode(), "x.csv")
    assert "Missing: 学号" in response.content.decode()
    response = upload(admin_a, schools.a, b"PK\x03\x04garbage", "x.xlsx")
    assert "could not be opened" in response.content.decode()
    assert StudentProfile.objects.count() == 0


def test_default_class_for_rows_without_class(schools, admin_a):
    header = ["学号", "学生姓名", "监护人姓名", "关系", "手机号"]
    data = csv_bytes([["2024010", "周杰", "周母", "妈妈", "13900000010"]], header=header)
    response = upload(admin_a, schools.a, data, unit=str(schools.a_class2.pk))
    assert 'value="confirm"' in response.content.decode()
    confirm(admin_a, schools.a)
    assert User.objects.get(username="cn-2024010").org_unit == schools.a_class2


def test_other_school_classes_are_unknown(schools, admin_b):
    response = upload(admin_b, schools.b, csv_bytes())
    page = response.content.decode()
    assert "There is no class" in page
    assert "Nothing was imported" in page
    # And school A's import page is not there for school B's administrator.
    assert upload(admin_b, schools.a, csv_bytes()).status_code == 404


def test_guardian_with_children_in_two_schools_is_one_account(schools, admin_a, admin_b):
    upload(admin_a, schools.a, csv_bytes())
    confirm(admin_a, schools.a)
    rows = [["一年级", "1班", "B001", "王小虎", "王芳", "母亲", "13800000003"]]
    response = upload(admin_b, schools.b, csv_bytes(rows))
    assert "existing account" in response.content.decode()
    confirm(admin_b, schools.b)
    wang = User.objects.get(username="13800000003")
    assert wang.children_links.count() == 3
    assert User.objects.get(username="cb-b001").guardian_links.get().guardian == wang
