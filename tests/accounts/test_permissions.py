"""has_perm: a role held at a unit applies to the unit and everything below it."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from edu_portal.accounts import permissions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.permissions import has_perm, is_bureau_admin, scope_q


def test_school_admin_within_own_school_only(tree, school_admin):
    for unit in (tree.school_a, tree.grade_a, tree.class_a):
        assert has_perm(school_admin, "users.manage", unit)
    for unit in (tree.bureau, tree.office, tree.school_b, tree.grade_b):
        assert not has_perm(school_admin, "users.manage", unit)
    assert has_perm(school_admin, "users.manage")  # held somewhere
    # reviews and publishes her school's uploads, nowhere else
    assert has_perm(school_admin, "content.publish", tree.class_a)
    assert not has_perm(school_admin, "content.review", tree.school_b)
    assert not has_perm(school_admin, "content.review", tree.office)
    assert not has_perm(school_admin, "mailbox.answer")


def test_teacher_permissions(tree, teacher):
    assert has_perm(teacher, "resource.upload", tree.class_a)
    assert not has_perm(teacher, "resource.upload", tree.school_b)
    assert not has_perm(teacher, "users.manage", tree.class_a)


def test_bureau_admin_everywhere(tree, plain_bureau_admin):
    for unit in (tree.bureau, tree.office, tree.school_b, tree.class_a):
        assert has_perm(plain_bureau_admin, "users.manage", unit)
        assert has_perm(plain_bureau_admin, "anything.at.all", unit)
    assert is_bureau_admin(plain_bureau_admin)


def test_superuser_has_everything(tree, bureau_admin):
    from .conftest import make_user

    root = make_user("root", is_superuser=True)
    assert has_perm(root, "whatever", tree.class_a)
    assert is_bureau_admin(root)


def test_anonymous_and_inactive_have_nothing(tree, school_admin):
    assert not has_perm(AnonymousUser(), "resource.view")
    assert not has_perm(None, "resource.view")
    school_admin.is_active = False
    assert not has_perm(school_admin, "users.manage", tree.school_a)


def test_school_admin_is_not_bureau_admin(school_admin):
    assert not is_bureau_admin(school_admin)


def test_grants_are_cached_per_user_object(tree, school_admin, django_assert_num_queries):
    has_perm(school_admin, "users.manage", tree.school_a)
    with django_assert_num_queries(0):
        for unit in (tree.school_a, tree.school_b, tree.class_a):
            has_perm(school_admin, "users.manage", unit)
    permissions.clear_cache(school_admin)
    with django_assert_num_queries(1):
        has_perm(school_admin, "users.manage", tree.school_a)


def test_scope_filter(tree, school_admin, plain_bureau_admin, teacher):
    in_scope = set(OrgUnit.objects.filter(scope_q(school_admin, "users.manage", field="")))
    assert in_scope == {tree.school_a, tree.grade_a, tree.class_a}
    assert set(permissions.units_with_perm(teacher, "users.manage")) == set()
    assert permissions.units_with_perm(plain_bureau_admin, "users.manage").count() == 7


def test_drf_permission_class(rf, tree, school_admin, teacher):
    permission = permissions.require_perm("users.manage")()
    request = rf.get("/")
    request.user = school_admin
    assert permission.has_permission(request, None)
    assert permission.has_object_permission(request, None, tree.class_a)
    assert not permission.has_object_permission(request, None, tree.school_b)
    request.user = teacher
    assert not permission.has_permission(request, None)
