"""seed_demo: creates the demo tree and one account per role, once."""

from __future__ import annotations

import re
from io import StringIO

from auditlog.models import LogEntry
from django.core.management import call_command

from edu_portal.accounts.models import OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import Role


def _run() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent(db):
    first = _run()
    assert "passwords are shown only this once" in first
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^(\w+)\s.*\s([A-Za-z0-9]{16})$", first, re.MULTILINE)
    }
    assert set(rows) == {u.username for u in User.objects.all()}
    assert len(rows) == len(Role)

    units = {u.name: u for u in OrgUnit.objects.all()}
    for name in ("办公室", "基础教育科", "电教馆", "城南小学", "实验初级中学", "一年级(1)班"):
        assert name in units
    assert units["办公室"].phone and units["办公室"].duties
    assert {u.kind for u in units.values()} == set(OrgUnit.Kind.values)

    for username, password in rows.items():
        user = User.objects.get(username=username)
        assert user.password.startswith("argon2")
        assert user.check_password(password)
        assert re.search(r"[\u4e00-\u9fff]", user.display_name)
    admin = User.objects.get(username="bureau_admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.exclude(pk=admin.pk).filter(is_superuser=True).exists()
    assert not User.objects.exclude(pk=admin.pk).filter(is_staff=True).exists()
    assert {ra.role for ra in RoleAssignment.objects.all()} == set(Role.values)
    # The office reviewer belongs to the office, but reviews for the whole bureau.
    office_reviewer = User.objects.get(username="office_reviewer")
    assert office_reviewer.org_unit == units["办公室"]
    assert [ra.org_unit for ra in office_reviewer.role_assignments.all()] == [units["示范县教育局"]]
    school_reviewer = User.objects.get(username="school_reviewer")
    assert [(ra.role, ra.org_unit) for ra in school_reviewer.role_assignments.all()] == [
        (Role.SCHOOL_REVIEWER, units["城南小学"])
    ]

    counts = (OrgUnit.objects.count(), User.objects.count(), RoleAssignment.objects.count())
    entries = LogEntry.objects.count()
    hashes = dict(User.objects.values_list("username", "password"))

    second = _run()
    for password in rows.values():
        assert password not in second
    assert "changepassword" in second
    assert "nothing changed" in second
    assert (OrgUnit.objects.count(), User.objects.count(), RoleAssignment.objects.count()) == (
        counts
    )
    assert LogEntry.objects.count() == entries
    assert dict(User.objects.values_list("username", "password")) == hashes


def test_seed_demo_recreates_only_what_is_missing(db):
    _run()
    User.objects.get(username="teacher").delete()
    output = _run()
    assert re.search(r"^teacher\s", output, re.MULTILINE)
    assert not re.search(r"^student\s", output, re.MULTILINE)
    assert User.objects.count() == len(Role)
