"""Login records and lockout after repeated failures.

Failures are counted from the LoginRecord table rather than a cache, so the count is shared
by every web process and survives restarts. A success resets the count for that username.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edu_portal.access import client_ip
from edu_portal.accounts.models import LoginRecord

Result = LoginRecord.Result


@dataclass(frozen=True)
class Lock:
    until: timezone.datetime
    by_ip: bool

    @property
    def minutes_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))

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


def _window_start() -> timezone.datetime:
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _failures_since(qs) -> list[timezone.datetime]:
    return list(
        qs.filter(result=Result.BAD_CREDENTIALS, created_at__gte=_window_start())
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )


def current_lock(username: str, ip: str | None) -> Lock | None:
    """The lock in force for this username or address, if any."""
    lockout = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    user_records = LoginRecord.objects.filter(username__iexact=username)
    last_success = (
        user_records.filter(result=Result.SUCCESS)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last_success is not None:
        user_records = user_records.filter(created_at__gt=last_success)
    failures = _failures_since(user_records)
    if len(failures) >= settings.LOGIN_FAILURE_LIMIT:
        return Lock(until=failures[0] + lockout, by_ip=False)
    if ip:
        ip_failures = _failures_since(LoginRecord.objects.filter(ip=ip))
        if len(ip_failures) >= settings.LOGIN_FAILURE_IP_LIMIT:
            return Lock(until=ip_failures[0] + lockout, by_ip=True)
    return None


def attempts_left(username: str) -> int:
    records = LoginRecord.objects.filter(username__iexact=username)
    last_success = (
        records.filter(result=Result.SUCCESS)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last_success is not None:
        records = records.filter(created_at__gt=last_success)
    return max(0, settings.LOGIN_FAILURE_LIMIT - len(_failures_since(records)))


def failure_message(username: str) -> str:
    left = attempts_left(username)
    if left == 0:
        lock = current_lock(username, None)
        if lock is not None:
            return lock.message()
    return ngettext(
        "Wrong username or password. %(left)d attempt left before the account is locked.",
        "Wrong username or password. %(left)d attempts left before the account is locked.",
        left,
    ) % {"left": left}


def record(request: HttpRequest | None, username: str, result: str, user=None) -> LoginRecord:
    ip = client_ip(request) if request is not None else None
    agent = request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""
    return LoginRecord.objects.create(
        user=user, username=username[:150], ip=ip, user_agent=agent, result=result
    )


def inactive_message() -> str:
    return _("This account has been disabled. Please contact your administrator.")
