"""The admin: pages render, login records are read-only, audit events are filterable."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from edu_portal.accounts import actions
from edu_portal.accounts.forms import AdminLoginForm
from edu_portal.accounts.models import LoginRecord


def test_admin_uses_the_guarded_login_form():
    assert admin.site.login_form is AdminLoginForm


@pytest.mark.parametrize(
    "name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_user_add",
        "admin:accounts_orgunit_changelist",
        "admin:accounts_orgunit_add",
        "admin:accounts_roleassignment_changelist",
        "admin:accounts_loginrecord_changelist",
        "admin:auditlog_logentry_changelist",
    ],
)
def test_pages_render(client, bureau_admin, name):
    client.force_login(bureau_admin)
    response = client.get(reverse(name))
    assert response.status_code == 200


def test_user_change_page_shows_profile_and_roles(client, bureau_admin, teacher):
    client.force_login(bureau_admin)
    content = client.get(reverse("admin:accounts_user_change", args=[teacher.pk])).content
    for field in (b'name="display_name"', b'name="phone"', b'name="org_unit"'):
        assert field in content
    assert b'name="remote_access"' in content
    assert b"role_assignments-0-role" in content


def test_login_records_are_read_only(client, bureau_admin):
    record = LoginRecord.objects.create(
        username="x", ip="203.0.113.1", result=LoginRecord.Result.BAD_CREDENTIALS
    )
    client.force_login(bureau_admin)
    assert client.get(reverse("admin:accounts_loginrecord_add")).status_code == 403
    url = reverse("admin:accounts_loginrecord_change", args=[record.pk])
    assert client.get(url).status_code == 200  # view only
    assert client.post(url, {"username": "y"}).status_code == 403
    delete = reverse("admin:accounts_loginrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert LoginRecord.objects.filter(pk=record.pk, username="x").exists()


def test_login_records_filter_and_search(client, bureau_admin):
    LoginRecord.objects.create(username="alice", ip="203.0.113.1", result="success")
    LoginRecord.objects.create(username="bob", ip="198.51.100.2", result="bad_credentials")
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_loginrecord_changelist")
    # (force_login itself leaves a success record for the administrator)
    assert client.get(url, {"result": "bad_credentials"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "198.51.100.2"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "alice"}).context["cl"].result_count == 1


def test_audit_admin_filters(client, bureau_admin, school_admin, teacher):
    # Only this test's update (see tests/accounts/test_audit_api.py's events fixture).
    LogEntry.objects.filter(action=LogEntry.Action.UPDATE).delete()
    actions.set_remote_access(school_admin, teacher, True)
    client.force_login(bureau_admin)
    url = reverse("admin:auditlog_logentry_changelist")
    by_actor = client.get(url, {"actor__id__exact": school_admin.pk}).context["cl"]
    assert by_actor.result_count == 1
    updates = client.get(url, {"action__exact": LogEntry.Action.UPDATE}).context["cl"]
    assert updates.result_count == 1
    entry = LogEntry.objects.get(action=LogEntry.Action.UPDATE)
    by_type = client.get(url, {"resource_type": entry.content_type_id}).context["cl"]
    assert by_type.result_count >= 1
    local = timezone.localtime(entry.timestamp)
    day = {"timestamp__year": local.year, "timestamp__month": local.month}
    day["timestamp__day"] = local.day
    dated = client.get(url, day).context["cl"]
    assert dated.result_count >= 1


def test_unlock_action_in_user_admin(client, bureau_admin, teacher):
    for _ in range(3):
        LoginRecord.objects.create(username=teacher.username, result="bad_credentials")
    client.force_login(bureau_admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [teacher.pk]},
    )
    assert response.status_code == 302
    from edu_portal.accounts import login_guard

    assert login_guard.current_lock(teacher.username, None) is None


def _unit_form(unit, **overrides) -> dict:

    parent = unit.get_parent()
    data = {
        "name": unit.name,
        "kind": unit.kind,
        "code": unit.code,
        "phone": unit.phone,
        "duties": unit.duties,
        "treebeard_position": "sorted-child",
        "treebeard_ref_node": parent.pk if parent else "",
    }
    data.update(overrides)
    return data


def test_org_unit_edit_is_audited(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_orgunit_change", args=[tree.office.pk])
    response = client.post(url, _unit_form(tree.office, phone="0000-8888", name="局办公室"))
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(tree.office).latest()
    assert entry.changes_dict["phone"] == ["", "0000-8888"]
    assert entry.changes_dict["name"] == ["办公室", "局办公室"]
    assert entry.actor == bureau_admin


def test_org_unit_kind_change_must_fit_children(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_orgunit_change", args=[tree.school_a.pk])
    response = client.post(url, _unit_form(tree.school_a, kind="department"))
    assert response.status_code == 200
    assert "it contains “一年级” (Grade)" in response.content.decode()
    tree.school_a.refresh_from_db()
    assert tree.school_a.kind == "school"


def test_org_unit_move_in_change_form_is_audited(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_orgunit_change", args=[tree.grade_b.pk])
    response = client.post(url, _unit_form(tree.grade_b, treebeard_ref_node=tree.school_a.pk))
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(tree.grade_b).latest()
    assert entry.changes_dict == {"parent": ["实验初级中学", "城南小学"]}
