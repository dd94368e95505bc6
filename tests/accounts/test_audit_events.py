"""Audit events for changes through the admin, the API (token auth) and the actions, with
the actor and the client address that access.client_ip trusts."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from edu_portal.accounts import actions, audit
from edu_portal.accounts.models import OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import Role

from .conftest import make_user


def _user_change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "org_unit": user.org_unit_id or "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "08:00:00",
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _latest_for(obj) -> LogEntry:
    return LogEntry.objects.get_for_object(obj).order_by("-id").first()


def test_admin_change_records_actor_ip_and_values(client, bureau_admin, teacher):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    response = client.post(
        url, _user_change_form(teacher, remote_access="on", is_staff="on", phone="13800000000")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = _latest_for(teacher)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == bureau_admin
    assert entry.remote_addr == "203.0.113.5"
    assert entry.changes_dict["remote_access"] == ["False", "True"]
    assert entry.changes_dict["is_staff"] == ["False", "True"]
    assert entry.changes_dict["phone"] == ["", "13800000000"]
    assert "password" not in entry.changes_dict


def test_admin_offers_no_group_membership(client, bureau_admin, teacher):
    """Issue 12: roles are the one permission system; Django's groups are not offered, so
    a posted group is ignored (and nothing about it is audited)."""
    group = Group.objects.create(name="资源审核组")
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    response = client.post(url, _user_change_form(teacher, groups=str(group.pk)))
    assert response.status_code == 302
    assert not teacher.groups.exists()
    assert not LogEntry.objects.filter(changes__icontains="groups").exists()


def test_admin_role_inline_is_audited(client, bureau_admin, tree):
    target = make_user("newbie", unit=tree.school_a)
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    data = _user_change_form(
        target,
        **{
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-0-role": Role.TEACHER,
            "role_assignments-0-org_unit": str(tree.school_a.pk),
            "role_assignments-0-user": str(target.pk),
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    assert assignment.granted_by == bureau_admin
    entry = _latest_for(assignment)
    assert entry.action == LogEntry.Action.CREATE
    assert (entry.actor, entry.remote_addr) == (bureau_admin, "203.0.113.5")


def test_admin_refuses_role_at_wrong_kind_of_unit(client, bureau_admin, tree):
    target = make_user("newbie", unit=tree.school_a)
    client.force_login(bureau_admin)
    data = _user_change_form(
        target,
        **{
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-0-role": Role.STUDENT,
            "role_assignments-0-org_unit": str(tree.bureau.pk),
            "role_assignments-0-user": str(target.pk),
        },
    )
    response = client.post(reverse("admin:accounts_user_change", args=[target.pk]), data)
    assert response.status_code == 200
    assert "cannot be held at" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_api_change_with_token_has_actor(api, tree, school_admin):
    """auditlog's own middleware reads request.user before DRF authenticates the token."""
    pupil = make_user("pupil", unit=tree.class_a)
    token = Token.objects.create(user=school_admin)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        reverse("api-role-assignments"),
        {"user": pupil.pk, "role": Role.STUDENT, "org_unit": tree.class_a.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = _latest_for(RoleAssignment.objects.get(user=pupil))
    assert entry.actor == school_admin
    assert entry.remote_addr == "203.0.113.6"

    response = api.delete(reverse("api-role-assignment", args=[response.json()["id"]]))
    assert response.status_code == 204
    deleted = LogEntry.objects.filter(action=LogEntry.Action.DELETE).latest()
    assert (deleted.actor, deleted.remote_addr) == (school_admin, "203.0.113.6")


def test_api_refusal_is_json_with_the_reason(api, tree, school_admin):
    someone = make_user("someone", unit=tree.school_b)
    token = Token.objects.create(user=school_admin)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        reverse("api-role-assignments"),
        {"user": someone.pk, "role": Role.TEACHER, "org_unit": tree.school_b.pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "实验初级中学" in response.json()["detail"]

    # Issue 11: a user of another school may not be given a role here either (that was
    # how their name leaked); a user of this school may.
    response = api.post(
        reverse("api-role-assignments"),
        {"user": someone.pk, "role": Role.STUDENT, "org_unit": tree.school_a.pk},
        format="json",
    )
    assert response.status_code == 403
    assert "someone" not in response.json()["detail"]
    pupil = make_user("pupil", unit=tree.class_a)
    response = api.post(
        reverse("api-role-assignments"),
        {"user": pupil.pk, "role": Role.STUDENT, "org_unit": tree.school_a.pk},
        format="json",
    )
    assert response.status_code == 201
    response = api.post(
        reverse("api-role-assignments"),
        {"user": pupil.pk, "role": Role.SCHOOL_ADMIN, "org_unit": tree.class_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_role_unit"


def test_action_outside_a_request_names_the_actor(tree, plain_bureau_admin, teacher):
    actions.set_remote_access(plain_bureau_admin, teacher, True)
    entry = _latest_for(teacher)
    assert (entry.actor, entry.remote_addr) == (plain_bureau_admin, None)


def test_role_assign_and_revoke_events(tree, school_admin):
    pupil = make_user("pupil", unit=tree.class_a)
    with audit.actor_context(school_admin, remote_addr="10.20.30.40"):
        actions.assign_role(school_admin, pupil, Role.STUDENT, tree.class_a)
        actions.revoke_role(school_admin, pupil, Role.STUDENT, tree.class_a)
    create, delete = LogEntry.objects.filter(content_type__model="roleassignment").order_by("-id")[
        :2
    ][::-1]
    assert (create.action, delete.action) == (LogEntry.Action.CREATE, LogEntry.Action.DELETE)
    for entry in (create, delete):
        assert (entry.actor, entry.remote_addr) == (school_admin, "10.20.30.40")
        assert entry.object_repr.startswith("pupil · Student")


def test_contexts_nest_and_restore(tree, plain_bureau_admin, school_admin, teacher):
    with audit.actor_context(plain_bureau_admin, remote_addr="10.0.0.1"):
        with audit.actor_context(school_admin):
            actions.set_remote_access(school_admin, teacher, True)
        inner = _latest_for(teacher)
        actions.set_remote_access(plain_bureau_admin, teacher, False)
        outer = _latest_for(teacher)
    assert (inner.actor, inner.remote_addr) == (school_admin, "10.0.0.1")
    assert (outer.actor, outer.remote_addr) == (plain_bureau_admin, "10.0.0.1")


def test_spoofed_forwarded_for_is_not_the_audit_ip(bureau_admin, teacher):
    client = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.1.2.3")
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    assert client.post(url, _user_change_form(teacher, remote_access="on")).status_code == 302
    assert _latest_for(teacher).remote_addr == "203.0.113.5"


def test_forwarded_for_from_trusted_proxy_is_the_audit_ip(trusted_proxy, bureau_admin, teacher):
    client = Client(REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR="10.1.2.3, 198.51.100.20")
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    assert client.post(url, _user_change_form(teacher, remote_access="on")).status_code == 302
    assert _latest_for(teacher).remote_addr == "198.51.100.20"


def test_admin_org_unit_add_is_validated_and_audited(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_orgunit_add")
    base = {"name": "二年级", "code": "grade-2", "phone": "", "duties": ""}
    response = client.post(
        url,
        {
            **base,
            "kind": "grade",
            "treebeard_position": "sorted-child",
            "treebeard_ref_node": tree.bureau.pk,
        },
    )
    assert response.status_code == 200
    assert "It must be placed under: School." in response.content.decode()
    assert not OrgUnit.objects.filter(code="grade-2").exists()

    response = client.post(
        url,
        {
            **base,
            "kind": "grade",
            "treebeard_position": "sorted-child",
            "treebeard_ref_node": tree.school_a.pk,
        },
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="grade-2")
    assert tree.school_a.contains(unit)
    entry = _latest_for(unit)
    assert (entry.action, entry.actor, entry.remote_addr) == (
        LogEntry.Action.CREATE,
        bureau_admin,
        "203.0.113.5",
    )


def test_admin_tree_move_is_validated_and_audited(client, bureau_admin, tree):
    client.force_login(bureau_admin)
    url = reverse("admin:accounts_orgunit_changelist") + "move/"
    response = client.post(
        url, {"node_id": tree.grade_a.pk, "sibling_id": tree.office.pk, "as_child": 1}
    )
    assert response.status_code == 400
    response = client.post(
        url, {"node_id": tree.grade_a.pk, "sibling_id": tree.school_b.pk, "as_child": 1}
    )
    assert response.status_code == 200
    entry = _latest_for(tree.grade_a)
    assert entry.changes_dict == {"parent": ["城南小学", "实验初级中学"]}
    assert (entry.actor, entry.remote_addr) == (bureau_admin, "203.0.113.5")
