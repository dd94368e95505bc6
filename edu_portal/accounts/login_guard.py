"""Login records and lockout after repeated failures.

Failures are counted from the LoginRecord table rather than a cache, so the count is shared
by every web process and survives restarts. A success (or an administrator's unlock) resets
the count for that username. Every door into the site (the login page, the admin login and
the token API) goes through :func:`attempt`, so they all lock and explain in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edu_portal.access import client_ip
from edu_portal.accounts.models import LoginRecord

Result = LoginRecord.Result

# Results after which earlier failures of the same username no longer count.
_RESETS = (Result.SUCCESS, Result.UNLOCKED)


@dataclass(frozen=True)
class Lock:
    until: datetime
    by_ip: bool

    @property
    def minutes_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds()))

    def message(self) -> str:
        if self.by_ip:
            return ngettext(
                "Too many failed sign-ins from this network address. "
                "Please try again in %(minutes)d minute.",
                "Too many failed sign-ins from this network address. "
                "Please try again in %(minutes)d minutes.",
                self.minutes_left,
            ) % {"minutes": self.minutes_left}
        return ngettext(
            "This account is locked after %(limit)d failed sign-ins. Try again in "
            "%(minutes)d minute, or ask your administrator to unlock it.",
            "This account is locked after %(limit)d failed sign-ins. Try again in "
            "%(minutes)d minutes, or ask your administrator to unlock it.",
            self.minutes_left,
        ) % {"minutes": self.minutes_left, "limit": settings.LOGIN_FAILURE_LIMIT}


def _window_start() -> datetime:
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _failures_since(qs) -> list[datetime]:
    return list(
        qs.filter(result=Result.BAD_CREDENTIALS, created_at__gte=_window_start())
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )


def _user_failures(username: str) -> list[datetime]:
    """Recent failures for ``username`` since its last success or unlock."""
    records = LoginRecord.objects.filter(username__iexact=username)
    last_reset = (
        records.filter(result__in=_RESETS)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last_reset is not None:
        records = records.filter(created_at__gt=last_reset)
    return _failures_since(records)


def current_lock(username: str, ip: str | None) -> Lock | None:
    """The lock in force for this username or address, if any."""
    lockout = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    failures = _user_failures(username)
    if len(failures) >= settings.LOGIN_FAILURE_LIMIT:
        return Lock(until=failures[0] + lockout, by_ip=False)
    if ip:
        ip_failures = _failures_since(LoginRecord.objects.filter(ip=ip))
        if len(ip_failures) >= settings.LOGIN_FAILURE_IP_LIMIT:
            return Lock(until=ip_failures[0] + lockout, by_ip=True)
    return None


def attempts_left(username: str) -> int:
    return max(0, settings.LOGIN_FAILURE_LIMIT - len(_user_failures(username)))


def failure_message(username: str, ip: str | None = None) -> str:
    """What to tell someone whose password was just refused (the failure is recorded)."""
    lock = current_lock(username, ip)
    if lock is not None:
        return lock.message()
    left = attempts_left(username)
    return ngettext(
        "Wrong username or password. %(left)d attempt left before the account is locked.",
        "Wrong username or password. %(left)d attempts left before the account is locked.",
        left,
    ) % {"left": left}


def inactive_message() -> str:
    return _("This account has been disabled. Please contact your administrator.")


def record(request: HttpRequest | None, username: str, result: str, user=None) -> LoginRecord:
    ip = client_ip(request) if request is not None else None
    agent = request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""
    return LoginRecord.objects.create(
        user=user, username=username[:150], ip=ip, user_agent=agent, result=result
    )


def unlock(username: str, user=None) -> LoginRecord:
    """Lift the username lock now (IP locks still run out on their own)."""
    return LoginRecord.objects.create(
        user=user, username=username[:150], ip=None, result=Result.UNLOCKED
    )


# --- one attempt, for every door -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The answer to one sign-in attempt. ``code`` is machine-readable, ``message`` is not."""

    code: str  # "ok", "account_locked", "account_disabled", "invalid_credentials"
    message: str = ""
    user: object | None = None
    lock: Lock | None = None

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def attempt(request: HttpRequest | None, username: str, password: str) -> Outcome:
    """Check the lock, authenticate, and say what happened.

    Every outcome except success is recorded here or by the backend and the failure signal;
    success is recorded by whoever completes the login (``user_logged_in`` for sessions,
    the token view for the API), because a door may still refuse a valid user (the admin
    site refuses non-staff accounts).
    """
    ip = client_ip(request) if request is not None else None
    lock = current_lock(username, ip)
    if lock is not None:
        # Refused before the (deliberately slow) password hash is even computed.
        record(request, username, Result.LOCKED)
        return Outcome("account_locked", lock.message(), lock=lock)
    user = authenticate(request, username=username, password=password)
    if user is not None:
        return Outcome("ok", user=user)
    refusal = getattr(request, "_login_refusal", None)
    if refusal == "locked":  # locked by a parallel attempt between our check and the backend
        lock = current_lock(username, ip)
        if lock is not None:
            return Outcome("account_locked", lock.message(), lock=lock)
    if refusal == "inactive":
        return Outcome("account_disabled", inactive_message())
    lock = current_lock(username, ip)
    return Outcome("invalid_credentials", failure_message(username, ip), lock=lock)
