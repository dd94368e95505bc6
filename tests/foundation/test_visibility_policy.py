"""Visibility levels: public, intranet (or staff with remote access), staff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from edu_portal.access import AccessDenied, Visibility, decide, require
from edu_portal.accounts.models import RoleAssignment, User
from edu_portal.accounts.roles import Role

rf = RequestFactory()
INSIDE, OUTSIDE = "10.20.30.40", "203.0.113.7"


def _user(name: str, role: str | None, unit=None, remote=False) -> User:
    user = User.objects.create_user(name, password="not-used-here-1", remote_access=remote)
    if role:
        RoleAssignment.objects.create(user=user, role=role, org_unit=unit)
    return user


def _req(ip: str, user=None):
    request = rf.get("/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    return request


def test_public_is_open_to_everyone(intranet_settings):
    assert decide(_req(OUTSIDE), Visibility.PUBLIC).allowed


def test_intranet_open_inside_refused_outside_with_reason(intranet_settings):
    assert decide(_req(INSIDE), Visibility.INTRANET).allowed
    outside = decide(_req(OUTSIDE), Visibility.INTRANET)
    assert not outside.allowed
    assert outside.code == "outside_intranet"
    assert outside.message and outside.hint


def test_spoofed_header_does_not_open_intranet_content(intranet_settings):
    request = rf.get("/", REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR=INSIDE)
    request.user = AnonymousUser()
    with pytest.raises(AccessDenied) as caught:
        require(request, Visibility.INTRANET)
    assert caught.value.code == "outside_intranet"


def test_trusted_proxy_passes_the_real_client(intranet_settings):
    request = rf.get("/", REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    request.user = AnonymousUser()
    # The proxy is on the intranet, but the client behind it is not.
    assert not decide(request, Visibility.INTRANET).allowed


def test_remote_access_opens_intranet_for_staff_only(intranet_settings, school):
    teacher = _user("teacher", Role.TEACHER, school, remote=True)
    assert decide(_req(OUTSIDE, teacher), Visibility.INTRANET).allowed
    # The flag on a student's account is not enough: remote access is for staff.
    student = _user("student", Role.STUDENT, school, remote=True)
    assert not decide(_req(OUTSIDE, student), Visibility.INTRANET).allowed
    # A teacher without the grant is refused outside.
    plain = _user("plain", Role.TEACHER, school)
    assert not decide(_req(OUTSIDE, plain), Visibility.INTRANET).allowed
    # A disabled account's grant does not count.
    teacher.is_active = False
    assert not decide(_req(OUTSIDE, teacher), Visibility.INTRANET).allowed


def test_staff_visibility(intranet_settings, school):
    anonymous = decide(_req(INSIDE), Visibility.STAFF)
    assert (anonymous.allowed, anonymous.code) == (False, "login_required")
    student = _user("student", Role.STUDENT, school)
    assert decide(_req(INSIDE, student), Visibility.STAFF).code == "staff_only"
    teacher = _user("teacher", Role.TEACHER, school)
    assert decide(_req(INSIDE, teacher), Visibility.STAFF).allowed
    assert decide(_req(OUTSIDE, teacher), Visibility.STAFF).code == "outside_intranet"
    remote_teacher = _user("remote", Role.TEACHER, school, remote=True)
    assert decide(_req(OUTSIDE, remote_teacher), Visibility.STAFF).allowed


def test_unknown_visibility_is_refused(intranet_settings):
    assert not decide(_req(INSIDE), "secret").allowed
