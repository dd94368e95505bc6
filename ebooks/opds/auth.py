"""Who is asking: a catalog key, HTTP Basic with the password, or the portal session.

E-reader apps (KOReader, Thorium, Moon+ Reader …) cannot fill in the portal's login form,
so the catalog also accepts credentials on every request:

* A catalog key (``ebooks.opds.models.CatalogKey``, made at ``/opds/token/``), best as the
  password of HTTP Basic, also as ``Authorization: Bearer|Token <key>``. It is not the API
  token and opens nothing but these read-only views; it ends with a password change.
  A wrong or stale key is refused without counting towards the account lock: a reader
  left with an old key must not lock its owner out of the portal.
* ``Authorization: Basic`` with the password goes through ``login_guard.attempt``, so
  failures count towards the account lock, locked accounts are refused before the password
  hash is computed, and every refusal is recorded like any other sign-in.
* ``?key=<key>`` for readers that can only be given a URL. The key then appears in the
  reader's settings, in access logs and in every link of the feed; the process's loggers
  mask it (``ebooks.opds.logs``), nginx must be told to (README, "Security"). The old
  ``?token=`` addresses carried the API token and are refused.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from ebooks.opds.models import CatalogKey, looks_like_key
from edu_portal.access import client_ip
from edu_portal.accounts import login_guard
from edu_portal.accounts.models import LoginRecord

REALM = "OPDS"
# A reader sends Basic credentials with every request; one success record per user and
# address per hour keeps the login records readable (a success after failures is always
# recorded, since it is what resets the failure count).
_SUCCESS_RECORD_SECONDS = 3600


@dataclass(frozen=True)
class Credentials:
    """How the request was authenticated; ``key`` is set for ``?key=`` so that the feed's
    links carry it on (the reader would otherwise lose it on the next page)."""

    method: str  # "key", "basic", "session" or "anonymous"
    key: str = ""


def _text(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def challenge(message: str = "") -> HttpResponse:
    """401 asking for Basic credentials: readers then prompt for a username and password."""
    response = _text(401, message or _("Sign in to use the e-book catalog."))
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _decode_basic(value: str) -> tuple[str, str] | None:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    username, sep, password = text.partition(":")
    if not sep or not username:
        return None
    return username, password


def _password(value: str) -> str:
    decoded = _decode_basic(value)
    return decoded[1] if decoded else ""


def _basic(request: HttpRequest, value: str) -> HttpResponse | None:
    decoded = _decode_basic(value)
    if decoded is None:
        return challenge(_("Malformed credentials."))
    username, password = decoded
    if looks_like_key(password):
        return _key(request, password)
    remembered = _remembered(username, password)
    if remembered is not None:
        request.user = remembered
        return None
    outcome = login_guard.attempt(request, username, password)
    if outcome.code == "account_locked":
        response = _text(429, outcome.message)
        if outcome.lock is not None:
            response["Retry-After"] = str(outcome.lock.seconds_left)
        return response
    if outcome.code == "account_disabled":
        return _text(403, outcome.message)
    if not outcome.ok:
        return challenge(outcome.message)
    user = outcome.user
    ip = client_ip(request)
    had_failures = login_guard.attempts_left(username) < settings.LOGIN_FAILURE_LIMIT
    if had_failures or cache.add(f"opds:login:{user.pk}:{ip}", 1, _SUCCESS_RECORD_SECONDS):
        login_guard.record(request, user.get_username(), LoginRecord.Result.SUCCESS, user)
    _remember(username, password, user)
    request.user = user
    return None


# A reader sends the password with every request (each feed page, each cover): checking it
# with Argon2 every time would cost tens of milliseconds and megabytes each. A success is
# remembered for a few minutes under a keyed hash of the credentials (never the password),
# tied to the stored password hash, so changing the password or disabling the account
# ends it at once.
_REMEMBER_SECONDS = 300


def _credentials_key(username: str, password: str) -> str:
    digest = salted_hmac("ebooks.opds.basic", f"{username}\0{password}", algorithm="sha256")
    return "opds:basic:" + digest.hexdigest()


def _password_mark(user) -> str:
    return salted_hmac("ebooks.opds.password", user.password, algorithm="sha256").hexdigest()


def _remember(username: str, password: str, user) -> None:
    cache.set(
        _credentials_key(username, password), (user.pk, _password_mark(user)), _REMEMBER_SECONDS
    )


def _remembered(username: str, password: str):
    entry = cache.get(_credentials_key(username, password))
    if not entry:
        return None
    user = get_user_model().objects.filter(pk=entry[0], is_active=True).first()
    if user is None or not constant_time_compare(_password_mark(user), entry[1]):
        return None
    return user


def _key(request: HttpRequest, key: str) -> HttpResponse | None:
    user = CatalogKey.user_for(key)
    if user is None:
        return challenge(
            _(
                "This catalog key is not valid: it was renewed, or your password changed. "
                "Make a new one on the portal."
            )
        )
    request.user = user
    return None


def authenticate_request(request: HttpRequest) -> Credentials | HttpResponse:
    """Set ``request.user`` from the credentials sent; a response when they are refused."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        response = _basic(request, value)
        return response or Credentials("key" if looks_like_key(_password(value)) else "basic")
    if scheme in ("bearer", "token"):
        return _key(request, value) or Credentials("key")
    if "token" in request.GET:
        # The old personal address, whose token was the API token: never accepted again.
        return challenge(
            _("This catalog address no longer works. Make a new catalog key on the portal.")
        )
    query_key = request.GET.get("key", "").strip()
    if query_key:
        return _key(request, query_key) or Credentials("key", key=query_key)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Credentials("session")
    request.user = AnonymousUser()
    return Credentials("anonymous")


def opds_auth(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate first; the view gets the :class:`Credentials` as ``credentials``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        result = authenticate_request(request)
        if isinstance(result, HttpResponse):
            return result
        response = view(request, *args, credentials=result, **kwargs)
        # Credentials in a header change the answer: shared caches must not mix them up.
        response["Vary"] = "Authorization, Cookie, Accept-Language"
        return response

    return wrapper
