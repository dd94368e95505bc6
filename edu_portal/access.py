"""Who is asking, from where, and may they have it.

Used by every app that serves files: the client address behind trusted proxies, the
intranet policy with visibility levels, and HMAC-signed expiring URLs.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTRANET = "intranet", _("Education intranet")
    STAFF = "staff", _("Staff only")


class AccessDenied(PermissionDenied):
    """A refusal that carries a machine-readable code and a sentence for the person."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


# --- client address ------------------------------------------------------------------------


def _parse_ip(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[v6]:port"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "v4:port"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket is still an IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _in_any(address: IPAddress, networks: Iterable[ipaddress._BaseNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that made ``request``.

    ``X-Forwarded-For`` is believed only when the connection came from a trusted proxy, and
    then only as far as the chain of trusted proxies goes: the right-most address that is
    not a trusted proxy is the client. Everything left of it may be made up by the client.
    Returns None when the address cannot be known (a malformed header from a proxy chain),
    which the policy treats as "not on the intranet".
    """
    cached = getattr(request, "_client_ip", False)
    if cached is not False:
        return cached
    remote = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    result: IPAddress | None = remote
    proxies = settings.TRUSTED_PROXIES
    if remote is not None and proxies and _in_any(remote, proxies):
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in header.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _parse_ip(hop)
            if address is None:
                result = None
                break
            result = address
            if not _in_any(address, proxies):
                break
    value = str(result) if result is not None else None
    request._client_ip = value
    return value


def is_intranet(ip: str | None) -> bool:
    address = _parse_ip(ip) if ip else None
    return address is not None and _in_any(address, settings.INTRANET_NETWORKS)


class ClientIPMiddleware:
    """Puts ``request.client_ip`` and ``request.on_intranet`` on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.client_ip = client_ip(request)
        request.on_intranet = is_intranet(request.client_ip)
        return self.get_response(request)


# --- visibility policy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = ""
    message: str = ""
    hint: str = ""

    def raise_if_denied(self) -> None:
        if not self.allowed:
            raise AccessDenied(self.code, self.message, self.hint)


ALLOW = Decision(True)


def _remote_allowed(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "remote_access", False)
        and user.is_staff_member
    )


def decide(request: HttpRequest, visibility: str) -> Decision:
    """May the client of ``request`` see something of ``visibility``?"""
    user = getattr(request, "user", None)
    if visibility == Visibility.PUBLIC:
        return ALLOW
    on_intranet = is_intranet(client_ip(request))
    reachable = on_intranet or _remote_allowed(user)
    if visibility == Visibility.INTRANET:
        if reachable:
            return ALLOW
        return Decision(
            False,
            "outside_intranet",
            str(_("This content is available only on the education intranet.")),
            str(
                _(
                    "Open it from a school or bureau network. Staff who need it from home "
                    "can sign in and ask the administrator for remote access."
                )
            ),
        )
    if visibility == Visibility.STAFF:
        if user is None or not user.is_authenticated:
            return Decision(
                False,
                "login_required",
                str(_("This content is for teachers and staff only.")),
                str(_("Please sign in with your staff account.")),
            )
        if not user.is_staff_member:
            return Decision(
                False,
                "staff_only",
                str(_("This content is for teachers and staff only.")),
                str(_("Your account is not a staff account. Ask your school administrator.")),
            )
        if not reachable:
            return Decision(
                False,
                "outside_intranet",
                str(_("Staff content is available only on the education intranet.")),
                str(_("Open it from a school or bureau network, or ask for remote access.")),
            )
        return ALLOW
    return Decision(False, "unknown_visibility", str(_("This content is not available.")))


def require(request: HttpRequest, visibility: str) -> None:
    """Raise AccessDenied (rendered as a 403 page or JSON) unless allowed."""
    decide(request, visibility).raise_if_denied()


# --- signed URLs ---------------------------------------------------------------------------

_SALT = "edu_portal.access.signed-url"


class BadToken(AccessDenied):
    pass


def _signature(scope: str, expires: int, ip: str | None, user_id: str | None = None) -> str:
    message = f"{scope}\n{expires}\n{ip or ''}"
    if user_id:
        message += f"\nuser:{user_id}"
    return salted_hmac(_SALT, message, algorithm="sha256").hexdigest()[:32]


def make_token(
    scope: str,
    *,
    ttl: int | None = None,
    ip: str | None = None,
    user_id: int | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """Query parameters that prove the holder may fetch ``scope`` until expiry.

    ``scope`` names what the token is for (for example ``resource:42``); the token is
    useless for any other scope. With ``ip`` the token only works from that address; with
    ``user_id`` only in a request signed in as that user.
    """
    expires = int((now or time.time()) + (ttl or settings.SIGNED_URL_TTL))
    user = str(user_id) if user_id else None
    params = {"exp": str(expires), "sig": _signature(scope, expires, ip, user)}
    if ip:
        params["ipb"] = "1"
    if user:
        params["ub"] = user
    return params


def binding(request: HttpRequest) -> dict:
    """What a link issued to the client of ``request`` is bound to (``make_token``'s
    ``ip`` or ``user_id``), so that it does not work if passed on outside the intranet.

    On the intranet (and for anonymous visitors anywhere): the client address. For staff
    signed in from outside with remote access: their account, because a phone's or a home
    network's address may change during a film. ``SIGNED_URL_BIND_IP=0`` switches it off.
    """
    if not settings.SIGNED_URL_BIND_IP:
        return {}
    ip = client_ip(request)
    user = getattr(request, "user", None)
    if not is_intranet(ip) and _remote_allowed(user):
        return {"user_id": user.pk}
    return {"ip": ip}


def sign_url(
    path: str,
    scope: str,
    *,
    ttl: int | None = None,
    ip: str | None = None,
    user_id: int | None = None,
) -> str:
    separator = "&" if "?" in path else "?"
    token = make_token(scope, ttl=ttl, ip=ip, user_id=user_id)
    return f"{path}{separator}{urlencode(token)}"


def verify_token(
    scope: str, params, *, ip: str | None = None, user=None, now: float | None = None
) -> None:
    """Raise BadToken unless ``params`` (a QueryDict or dict) hold a valid token for scope.

    ``user`` (the request's, possibly lazy) is looked at only for a token bound to a user,
    so that checking an address-bound or unbound token never touches the session."""
    expires_raw = params.get("exp", "")
    signature = params.get("sig", "")
    if not expires_raw or not signature:
        raise BadToken("token_missing", str(_("This link is missing its access token.")))
    try:
        expires = int(expires_raw)
    except ValueError:
        raise BadToken("token_invalid", str(_("This link's access token is invalid."))) from None
    bound_ip = ip if params.get("ipb") == "1" else None
    bound_user = str(params.get("ub", "") or "") or None
    if bound_user is not None:
        signed_in = user is not None and user.is_authenticated
        if not signed_in or str(user.pk) != bound_user:
            raise BadToken(
                "token_wrong_user",
                str(_("This link was issued to another account.")),
                str(_("Sign in with your own account and open the page again.")),
            )
    expected = _signature(scope, expires, bound_ip, bound_user)
    if not hmac.compare_digest(expected.encode(), str(signature).encode()):
        if bound_ip is not None:
            # Most often a link passed on, or a network changed since the page was opened.
            raise BadToken(
                "token_invalid",
                str(_("This link works only on the network where the page was opened.")),
                str(_("Open the page again from here to get a fresh link.")),
            )
        raise BadToken("token_invalid", str(_("This link's access token is invalid.")))
    if expires < (now or time.time()):
        raise BadToken(
            "token_expired",
            str(_("This link has expired.")),
            str(_("Reload the page to get a fresh link.")),
        )
