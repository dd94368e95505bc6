"""Authentication backend that refuses locked accounts even with the right password."""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from edu_portal.access import client_ip
from edu_portal.accounts import login_guard
from edu_portal.accounts.models import LoginRecord

# The username whose refusal the backend has just recorded, so that the failure signal
# that Django sends next does not record the same attempt again as "bad credentials".
# A context variable rather than a request attribute: authenticate() may have no request.
_already_recorded: ContextVar[str | None] = ContextVar("login_already_recorded", default=None)


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        if login_guard.current_lock(username, ip) is not None:
            # Recorded here, not in the failure signal, so the record says why.
            login_guard.record(request, username, LoginRecord.Result.LOCKED)
            request_marker(request, username, "locked")
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # The same lookup ModelBackend made (exact username), not a case-insensitive
            # guess that could pick somebody else's account.
            try:
                candidate = get_user_model()._default_manager.get_by_natural_key(username)
            except get_user_model().DoesNotExist:
                candidate = None
            if (
                candidate is not None
                and not candidate.is_active
                and candidate.check_password(password)
            ):
                login_guard.record(request, username, LoginRecord.Result.INACTIVE, candidate)
                request_marker(request, username, "inactive")
        return user


def request_marker(request, username: str, reason: str) -> None:
    """Tell the failure signal (and the caller) this attempt is already recorded, and why."""
    _already_recorded.set(username)
    if request is not None:
        request._login_refusal = reason


def take_recorded(username: str) -> bool:
    """True (once) when the backend already recorded the refusal of ``username``."""
    if _already_recorded.get() == username:
        _already_recorded.set(None)
        return True
    return False
