"""Login records, and the rules that slow down password guessing without letting anyone
keep a user out of their own account.

Failures are counted from the LoginRecord table rather than a cache, so the count is shared
by every web process and survives restarts. Every door into the site (the login page, the
admin login, the token API, OPDS) goes through :func:`attempt`, so they all apply the same
rules and explain them in the same words.

The rules, per attempt at an account from an address:

* Failures are counted per (account, address) pair, since that pair's last success or an
  administrator's unlock. After ``LOGIN_CHALLENGE_AFTER`` of them the pair is slowed down
  (each further failure locks it for a few seconds, doubling) and the sign-in page asks for
  a proof-of-work check; after ``LOGIN_FAILURE_LIMIT`` the account is locked *for that
  address only*, for ``LOGIN_LOCKOUT_MINUTES`` counted from the failure that reached the
  limit. Attempts during a lock are refused without being counted, so they never extend it.
* Failures elsewhere never lock anyone out. Many failures of one account from many
  addresses (``LOGIN_ACCOUNT_CHALLENGE_LIMIT``), or failures for many accounts from one
  address (``LOGIN_FAILURE_IP_LIMIT`` distinct accounts; ``LOGIN_FAILURE_INTRANET_IP_LIMIT``
  for the intranet's shared NAT addresses), only make the sign-in page ask for the check
  (doors without a page are slowed down instead). The account's usual addresses (its
  recent successful sign-ins) are exempt from the account rule, and accounts with no
  failures of their own are exempt from an intranet address's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edu_portal.access import client_ip, is_intranet
from edu_portal.accounts import challenge
from edu_portal.accounts.models import LoginRecord

Result = LoginRecord.Result

# Results after which earlier failures no longer count (a success only for its own address).
_RESETS = (Result.SUCCESS, Result.UNLOCKED)

# Longest slow-down between two attempts of a pair before the real lock.
_MAX_SLOWDOWN_SECONDS = 300


@dataclass(frozen=True)
class Lock:
    until: datetime
    # "pair": the account from this address, for LOGIN_LOCKOUT_MINUTES; "slow": a few
    # seconds of slow-down between attempts.
    kind: str = "pair"

    @property
    def by_ip(self) -> bool:
        """Kept for callers of the old rules: no lock is ever by address alone."""
        return False

    @property
    def minutes_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))

    @property
    def seconds_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, int(seconds) + (1 if seconds % 1 else 0))

    def message(self) -> str:
        if self.kind == "slow":
            return ngettext(
                "Sign-in to this account from your network address is locked for "
                "%(seconds)d more second after repeated wrong passwords. Please wait, then "
                "try again.",
                "Sign-in to this account from your network address is locked for "
                "%(seconds)d more seconds after repeated wrong passwords. Please wait, then "
                "try again.",
                self.seconds_left,
            ) % {"seconds": self.seconds_left}
        return ngettext(
            "This account is locked after %(limit)d failed sign-ins from your network "
            "address. Try again in %(minutes)d minute, or ask your administrator to unlock "
            "it. Sign-ins from other places are not affected.",
            "This account is locked after %(limit)d failed sign-ins from your network "
            "address. Try again in %(minutes)d minutes, or ask your administrator to unlock "
            "it. Sign-ins from other places are not affected.",
            self.minutes_left,
        ) % {"minutes": self.minutes_left, "limit": settings.LOGIN_FAILURE_LIMIT}


def _window_start() -> datetime:
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _ip_q(ip: str | None) -> Q:
    return Q(ip=ip) if ip else Q(ip__isnull=True)


def _since_reset(records: QuerySet, resets: QuerySet) -> QuerySet:
    last_reset = resets.order_by("-created_at").values_list("created_at", flat=True).first()
    if last_reset is not None:
        records = records.filter(created_at__gt=last_reset)
    return records


def _failures(records: QuerySet) -> list[datetime]:
    return list(
        records.filter(result=Result.BAD_CREDENTIALS, created_at__gte=_window_start())
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )


def _account(username: str) -> QuerySet:
    return LoginRecord.objects.filter(username__iexact=username)


def pair_failures(username: str, ip: str | None) -> list[datetime]:
    """Recent failures of ``username`` from ``ip`` since that address's last success there
    (or the account's unlock), newest first."""
    records = _account(username)
    resets = records.filter(Q(result=Result.UNLOCKED) | (Q(result=Result.SUCCESS) & _ip_q(ip)))
    return _failures(_since_reset(records.filter(_ip_q(ip)), resets))


def account_failures(username: str) -> list[datetime]:
    """Recent failures of ``username`` from anywhere since its last success or unlock."""
    records = _account(username)
    return _failures(_since_reset(records, records.filter(result__in=_RESETS)))


def is_usual_address(username: str, ip: str | None) -> bool:
    """Has the account signed in successfully from ``ip`` recently?"""
    if not ip:
        return False
    since = timezone.now() - timedelta(days=settings.LOGIN_USUAL_ADDRESS_DAYS)
    return _account(username).filter(ip=ip, result=Result.SUCCESS, created_at__gte=since).exists()


def _address_accounts(ip: str) -> int:
    """How many different accounts failed to sign in from ``ip`` in the window."""
    return (
        LoginRecord.objects.filter(
            ip=ip, result=Result.BAD_CREDENTIALS, created_at__gte=_window_start()
        )
        .values("username")
        .distinct()
        .count()
    )


def _slowdown_seconds(failures: int) -> int:
    steps = failures - settings.LOGIN_CHALLENGE_AFTER
    if steps < 0 or not settings.LOGIN_SLOWDOWN_SECONDS:
        return 0
    return min(settings.LOGIN_SLOWDOWN_SECONDS * 2 ** min(steps, 16), _MAX_SLOWDOWN_SECONDS)


def current_lock(username: str, ip: str | None) -> Lock | None:
    """The lock in force for this account from this address, if any."""
    failures = pair_failures(username, ip)
    if not failures:
        return None
    if len(failures) >= settings.LOGIN_FAILURE_LIMIT:
        # From the failure that reached the limit: attempts during the lock are refused
        # before the password is checked and are not failures, so they never extend it.
        reached = failures[len(failures) - settings.LOGIN_FAILURE_LIMIT]
        until = reached + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        return Lock(until=until, kind="pair") if until > timezone.now() else None
    until = failures[0] + timedelta(seconds=_slowdown_seconds(len(failures)))
    return Lock(until=until, kind="slow") if until > timezone.now() else None


def challenge_reason(username: str, ip: str | None) -> str | None:
    """Why this attempt needs the proof-of-work check ("pair", "account", "address"), or
    None."""
    pair = len(pair_failures(username, ip))
    if pair >= settings.LOGIN_CHALLENGE_AFTER:
        return "pair"
    account_busy = len(account_failures(username)) >= settings.LOGIN_ACCOUNT_CHALLENGE_LIMIT
    if account_busy and not is_usual_address(username, ip):
        return "account"
    # Behind an intranet NAT one pupil's guessing must not trouble everybody else: only
    # accounts that have failed from there themselves are asked.
    if (
        ip
        and address_is_busy(ip)
        and (pair or not (is_intranet(ip) or is_usual_address(username, ip)))
    ):
        return "address"
    return None


def address_is_busy(ip: str | None) -> bool:
    """Have failures for many accounts come from this address (spraying, or a big NAT)?"""
    if not ip:
        return False
    limit = (
        settings.LOGIN_FAILURE_INTRANET_IP_LIMIT
        if is_intranet(ip)
        else settings.LOGIN_FAILURE_IP_LIMIT
    )
    return _address_accounts(ip) >= limit


def _busy_slowdown(username: str, ip: str | None, reason: str) -> Lock | None:
    """For doors without the check: a pause after the last failure in the busy scope."""
    if reason == "pair":
        return None  # the pair's own slow-down (current_lock) already applies
    scope = _account(username) if reason == "account" else LoginRecord.objects.filter(ip=ip)
    last = (
        scope.filter(result=Result.BAD_CREDENTIALS)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None or not settings.LOGIN_SLOWDOWN_SECONDS:
        return None
    until = last + timedelta(seconds=settings.LOGIN_SLOWDOWN_SECONDS * 5)
    return Lock(until=until, kind="slow") if until > timezone.now() else None


def attempts_left(username: str, ip: str | None = None) -> int:
    """Failures left before the lock for ``ip`` (for the account as a whole without it)."""
    failures = pair_failures(username, ip) if ip else account_failures(username)
    return max(0, settings.LOGIN_FAILURE_LIMIT - len(failures))


def failure_message(username: str, ip: str | None = None) -> str:
    """What to tell someone whose password was just refused (the failure is recorded)."""
    lock = current_lock(username, ip)
    if lock is not None and lock.kind == "pair":
        return lock.message()
    left = max(0, settings.LOGIN_FAILURE_LIMIT - len(pair_failures(username, ip)))
    return ngettext(
        "Wrong username or password. %(left)d attempt left before the account is locked.",
        "Wrong username or password. %(left)d attempts left before the account is locked.",
        left,
    ) % {"left": left}


def challenge_message() -> str:
    return _(
        "There have been several failed sign-ins. Please complete the “I'm not a robot” "
        "check below (your browser solves it in a few seconds), then sign in again."
    )


def inactive_message() -> str:
    return _("This account has been disabled. Please contact your administrator.")


def record(request: HttpRequest | None, username: str, result: str, user=None) -> LoginRecord:
    ip = client_ip(request) if request is not None else None
    agent = request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""
    return LoginRecord.objects.create(
        user=user, username=username[:150], ip=ip, user_agent=agent, result=result
    )


def unlock(username: str, user=None) -> LoginRecord:
    """Lift every lock and slow-down of the account now, from every address."""
    return LoginRecord.objects.create(
        user=user, username=username[:150], ip=None, result=Result.UNLOCKED
    )


# --- one attempt, for every door -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The answer to one sign-in attempt. ``code`` is machine-readable, ``message`` is not."""

    # "ok", "account_locked", "account_disabled", "invalid_credentials",
    # "challenge_required" (only for doors that can show the check)
    code: str
    message: str = ""
    user: object | None = None
    lock: Lock | None = None

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def attempt(
    request: HttpRequest | None,
    username: str,
    password: str,
    *,
    interactive: bool = False,
    proof: str | None = None,
) -> Outcome:
    """Check the locks (and the proof-of-work check), authenticate, and say what happened.

    ``interactive`` doors (the sign-in pages) can show the check and pass the solved
    ``proof``; other doors are slowed down where a page would ask for it.

    Every outcome except success is recorded here or by the backend and the failure signal;
    success is recorded by whoever completes the login (``user_logged_in`` for sessions,
    the token view for the API), because a door may still refuse a valid user (the admin
    site refuses non-staff accounts).
    """
    ip = client_ip(request) if request is not None else None
    lock = current_lock(username, ip)
    reason = None if lock is not None else challenge_reason(username, ip)
    if lock is None and reason is not None and not interactive:
        lock = _busy_slowdown(username, ip, reason)
    if lock is not None:
        # Refused before the (deliberately slow) password hash is even computed.
        record(request, username, Result.LOCKED)
        return Outcome("account_locked", lock.message(), lock=lock)
    if reason is not None and interactive and not challenge.verify(proof):
        record(request, username, Result.CHALLENGE)
        return Outcome("challenge_required", challenge_message())
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
    return Outcome(
        "invalid_credentials", failure_message(username, ip), lock=current_lock(username, ip)
    )
