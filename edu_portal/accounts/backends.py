"""Authentication backend that refuses locked accounts even with the right password."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from edu_portal.access import client_ip
from edu_portal.accounts import login_guard
from edu_portal.accounts.models import LoginRecord


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        if login_guard.current_lock(username, ip) is not None:
            # Recorded here, not in the failure signal, so the record says why.
            login_guard.record(request, username, LoginRecord.Result.LOCKED)
            request_marker(request, "locked")
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            candidate = (
                self.get_user_model()._default_manager.filter(username__iexact=username).first()
            )
            if (
                candidate is not None
                and not candidate.is_active
                and candidate.check_password(password)
            ):
                login_guard.record(request, username, LoginRecord.Result.INACTIVE, candidate)
                request_marker(request, "inactive")
        return user


def request_marker(request, reason: str) -> None:
    """Tell the failure signal this attempt is already recorded (and why)."""
    if request is not None:
        request._login_refusal = reason
