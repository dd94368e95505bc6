"""Attacks on the school console found in review: another school's child on a shared
guardian's page, administrators' accounts locked or renamed by a school admin, a guardian
account left behind by a refused link, and roster files that unpack to far more than
they weigh."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import GuardianLink, User
from edu_portal.accounts.roles import Role
from edu_portal.schools import roster
from tests.people import make_user
from tests.schools.rosters import xlsx_bytes

pytestmark = pytest.mark.django_db


def test_shared_guardian_page_hides_the_child_at_another_school(schools, admin_a):
    child_a = make_user("child_a", Role.STUDENT, schools.a_class1, display_name="张一")
    child_b = make_user("child_b", Role.STUDENT, schools.b_class1, display_name="张二")
    mother = make_user("13800000001", None, schools.a, display_name="刘娜")
    actions.link_guardian(SYSTEM, mother, child_a, "mother")
    # At school B she must not receive the child's notices (a court order, say).
    actions.link_guardian(SYSTEM, mother, child_b, "mother", receives_notices=False)

    page = admin_a.get(reverse("schools:person", args=[schools.a.pk, mother.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "张一" in text
    # School B's pupil, class and the notice flag are not school A's business.
    assert "张二" not in text
    assert "receives no notices" not in text


@pytest.mark.parametrize("action", ["lock", "unlock"])
def test_school_admin_cannot_lock_or_unlock_privileged_accounts(schools, admin_a, action):
    # A superuser and a fellow administrator who belong to school A (no other unit).
    root = make_user("root_at_a", None, schools.a, is_superuser=True, is_staff=True)
    peer = make_user("admin_a2", Role.SCHOOL_ADMIN, schools.a)
    reviewer = make_user("reviewer_a", Role.SCHOOL_REVIEWER, schools.a)
    active = action == "unlock"
    for victim in (root, peer, reviewer):
        User.objects.filter(pk=victim.pk).update(is_active=not active)
        url = reverse("schools:person_action", args=[schools.a.pk, victim.pk, action])
        response = admin_a.post(url, follow=True)
        assert response.status_code == 200
        assert User.objects.get(pk=victim.pk).is_active is (not active), victim.username
        assert "bureau administrator" in response.content.decode()


def test_school_admin_cannot_rename_privileged_accounts(schools, admin_a):
    root = make_user("root_at_a", None, schools.a, is_superuser=True, display_name="管理员")
    peer = make_user("admin_a2", Role.SCHOOL_ADMIN, schools.a, display_name="王校长")
    for victim in (root, peer):
        url = reverse("schools:person", args=[schools.a.pk, victim.pk])
        admin_a.post(url, {"display_name": "冒名", "phone": "13900000000"})
        victim.refresh_from_db()
        assert victim.display_name != "冒名" and victim.phone != "13900000000"
    # A teacher of the school is still the console's to edit.
    url = reverse("schools:person", args=[schools.a.pk, schools.teacher_a.pk])
    admin_a.post(url, {"display_name": "李老师", "phone": ""})
    assert User.objects.get(pk=schools.teacher_a.pk).display_name == "李老师"


def test_refused_link_leaves_no_new_guardian_account(schools, admin_a):
    # The link form posted straight at a teacher's page (only pupils have guardians).
    url = reverse("schools:person_action", args=[schools.a.pk, schools.teacher_a.pk, "link"])
    response = admin_a.post(
        url,
        {"phone": "13700000077", "guardian_name": "某人", "relation": "mother"},
        follow=True,
    )
    assert "not a student" in response.content.decode()
    assert not User.objects.filter(username="13700000077").exists()
    assert not GuardianLink.objects.exists()


def _with_member(data: bytes, name: str, transform) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            member = source.read(info.filename)
            target.writestr(info.filename, transform(member) if info.filename == name else member)
    return out.getvalue()


def test_xlsx_that_unpacks_to_too_much_is_refused(schools):
    # A cell of 40 MB compresses to a few dozen kilobytes; openpyxl would hold it (and
    # more) in memory, and a 2 MB file of this kind unpacks to 2 GB.
    huge = b'<row r="6"><c r="A6" t="inlineStr"><is><t>' + b"1" * (40 * 1024 * 1024)
    data = _with_member(
        xlsx_bytes(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</sheetData>", huge + b"</t></is></c></row></sheetData>"),
    )
    assert len(data) < roster.MAX_BYTES
    with pytest.raises(roster.RosterFileError, match="unpacks"):
        roster.read_roster("roster.xlsx", data)


def test_xlsx_rows_are_read_no_wider_than_a_roster(schools, monkeypatch):
    # A sheet that declares 16384 columns: each row is read only as wide as a roster can be.
    data = _with_member(
        xlsx_bytes(),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )
    widths = []
    original = roster._cell_text

    def counting(value):
        widths.append(1)
        return original(value)

    monkeypatch.setattr(roster, "_cell_text", counting)
    rows = roster.read_roster("roster.xlsx", data)
    assert [row.number for row in rows][:2] == ["2024001", "2024001"]
    # Header and four rows of 7 columns; not 16384 cells a row.
    assert len(widths) <= 64 * (len(rows) + 1)


def test_a_privileged_account_cannot_be_linked_as_a_guardian_by_a_school(schools, admin_a):
    """Linking gives the school's administrator power over the guardian account (reset,
    lock), so an administrator's or reviewer's account named by a phone is refused, on the
    pupil's page and in a roster import; a teacher who is also a parent is fine."""
    from edu_portal.accounts.models import OrgUnit  # noqa: F401  (fixtures build the tree)
    from tests.schools.rosters import csv_bytes
    from tests.schools.test_roster_import import upload

    pupil = make_user("pupil_p", Role.STUDENT, schools.a_class1, display_name="周一")
    reviewer = make_user("13900000009", Role.SCHOOL_REVIEWER, schools.b, display_name="审核员")
    url = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "link"])
    response = admin_a.post(
        url, {"phone": "13900000009", "guardian_name": "某人", "relation": "mother"}, follow=True
    )
    assert "only the bureau can link it" in response.content.decode()
    assert not GuardianLink.objects.filter(guardian=reviewer).exists()

    rows = [["一年级", "1班", "2024009", "周二", "某人", "父亲", "13900000009"]]
    page = upload(admin_a, schools.a, csv_bytes(rows)).content.decode()
    assert "an import cannot link it" in page and 'value="confirm"' not in page

    # The bureau may, and a teacher who is a parent is linked by the school as usual.
    actions.link_guardian(SYSTEM, reviewer, pupil, "mother")
    teacher = make_user("13900000010", Role.TEACHER, schools.b, display_name="老师家长")
    url = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "link"])
    admin_a.post(url, {"phone": "13900000010", "guardian_name": "老师家长", "relation": "father"})
    assert GuardianLink.objects.filter(guardian=teacher, student=pupil).exists()


def test_a_sheet_password_opens_no_api_until_replaced(schools, admin_a):
    from django.test import Client

    pupil = make_user("pupil_api", Role.STUDENT, schools.a_class1, password="Old-secret-91")
    from rest_framework.authtoken.models import Token

    old_token = Token.objects.create(user=pupil)
    url = reverse("schools:person_action", args=[schools.a.pk, pupil.pk, "reset"])
    page = admin_a.post(url).content.decode()
    password = re.search(r'class="password-cell">([^<]+)<', page).group(1)
    # Whoever held the old password loses the token it bought.
    assert not Token.objects.filter(pk=old_token.pk).exists()

    api = Client()
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "pupil_api", "password": password},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    assert not Token.objects.filter(user=pupil).exists()

    browser = Client()
    assert browser.post(reverse("login"), {"username": "pupil_api", "password": password})[
        "Location"
    ]
    response = browser.get("/api/v1/notifications/")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"

    # "Choosing" the printed password again is refused; the flag stays.
    same = {"old_password": password, "new_password1": password, "new_password2": password}
    response = browser.post(reverse("password_change"), same)
    assert response.status_code == 200
    assert "different from your current one" in response.content.decode()
    assert User.objects.get(pk=pupil.pk).must_change_password
    new = {
        "old_password": password,
        "new_password1": "Mine-own-77x",
        "new_password2": "Mine-own-77x",
    }
    assert browser.post(reverse("password_change"), new).status_code == 302
    assert browser.get("/api/v1/notifications/").status_code == 200


def test_an_abandoned_roster_preview_expires(schools, admin_a, monkeypatch):
    """Pupils' names and guardians' phones wait in the session for half an hour at most."""
    import time

    from tests.schools.rosters import csv_bytes
    from tests.schools.test_roster_import import confirm, counts, upload

    before = counts()
    upload(admin_a, schools.a, csv_bytes())
    later = time.time() + 31 * 60
    monkeypatch.setattr("edu_portal.schools.views.time.time", lambda: later)
    response = confirm(admin_a, schools.a)
    assert response.status_code == 302
    assert "expired" in admin_a.get(response["Location"]).content.decode()
    assert counts() == before
    assert f"schools:roster:{schools.a.pk}" not in admin_a.session
