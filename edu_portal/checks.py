"""The portal's own deployment checks, run by ``manage.py check --deploy``.

Django's checks know nothing of the intranet wall, the trusted proxies or the signed links,
and a wrong value there fails open: a production host that counts loopback as intranet (the
default, for a laptop) lets every request that nginx relays without a believable
X-Forwarded-For through the wall. Each check names the setting, what goes wrong and what to
set. Registered by ``edu_portal.portal`` (``PortalConfig.ready``); a deliberate exception
goes into SILENCED_SYSTEM_CHECKS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
#: A proxy is one host, or a few in one subnet; wider than this, so many hosts could forge
#: X-Forwarded-For that the client address means nothing.
_WIDEST_PROXY_PREFIX = {4: 24, 6: 64}


def _networks(value: Iterable) -> list[Network]:
    return [ipaddress.ip_network(net, strict=False) for net in value or ()]


def _names(networks: Iterable[Network]) -> str:
    return ", ".join(str(net) for net in networks)


def _public(net: Network) -> bool:
    """Does ``net`` reach beyond the private, loopback and link-local ranges (RFC 1918,
    RFC 4193), that is, contain addresses anybody on the internet may have?"""
    return not any(net.version == p.version and net.subnet_of(p) for p in _NOT_PUBLIC)


@register(Tags.security, deploy=True)
def check_intranet_networks(app_configs=None, **kwargs) -> list[CheckMessage]:
    networks = _networks(settings.INTRANET_NETWORKS)
    issues: list[CheckMessage] = []
    loopback = [n for n in networks if any(n.overlaps(lo) for lo in _LOOPBACK)]
    if loopback:
        issues.append(
            CheckWarning(
                f"INTRANET_NETWORKS contains loopback ({_names(loopback)}).",
                hint=(
                    "nginx reaches gunicorn from 127.0.0.1: a request it relays without a "
                    "believable X-Forwarded-For, or any request while TRUSTED_PROXIES is "
                    "wrong, would count as intranet. Set INTRANET_NETWORKS to the education "
                    "intranet's ranges only (deploy/env.example)."
                ),
                id="edu_portal.W001",
            )
        )
    public = [n for n in networks if _public(n)]
    if public:
        issues.append(
            CheckWarning(
                f"INTRANET_NETWORKS contains public addresses ({_names(public)}).",
                hint=(
                    "Everyone in these ranges on the internet counts as intranet and sees "
                    "intranet-only resources. List the intranet's own ranges; if the "
                    "education network really uses these public addresses, silence "
                    "edu_portal.W002 in SILENCED_SYSTEM_CHECKS."
                ),
                id="edu_portal.W002",
            )
        )
    return issues


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs=None, **kwargs) -> list[CheckMessage]:
    proxies = _networks(settings.TRUSTED_PROXIES)
    behind_proxy = settings.SECURE_PROXY_SSL_HEADER is not None
    if not proxies and behind_proxy:
        return [
            CheckWarning(
                "TRUSTED_PROXIES is empty, but the site runs behind a proxy that terminates "
                "TLS (SECURE_PROXY_SSL_HEADER is set).",
                hint=(
                    "Every request then comes from nginx's address: the intranet wall, "
                    "address-bound links and sign-in throttling all see that one address. "
                    "Set TRUSTED_PROXIES to nginx's address (127.0.0.1/32 on the same host)."
                ),
                id="edu_portal.W003",
            )
        ]
    wide = [n for n in proxies if _public(n) or n.prefixlen < _WIDEST_PROXY_PREFIX[n.version]]
    if wide:
        return [
            CheckWarning(
                f"TRUSTED_PROXIES is too wide ({_names(wide)}).",
                hint=(
                    "Any host in these ranges can say who the client is in X-Forwarded-For "
                    "and pass as any address, on the intranet or bound to a link. List only "
                    "the proxies' own addresses (at most a /24, or a /64 for IPv6)."
                ),
                id="edu_portal.W004",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_https(app_configs=None, **kwargs) -> list[CheckMessage]:
    missing = [
        name
        for name, value in (
            ("SECURE_PROXY_SSL_HEADER", settings.SECURE_PROXY_SSL_HEADER),
            ("SESSION_COOKIE_SECURE", settings.SESSION_COOKIE_SECURE),
            ("CSRF_COOKIE_SECURE", settings.CSRF_COOKIE_SECURE),
        )
        if not value
    ]
    if not missing:
        return []
    return [
        CheckWarning(
            f"HTTPS settings are off: {', '.join(missing)}.",
            hint=(
                "nginx terminates TLS: set HTTPS=1, which makes Django believe nginx's "
                "X-Forwarded-Proto and sends the session and CSRF cookies over HTTPS only."
            ),
            id="edu_portal.W005",
        )
    ]


@register(Tags.security, deploy=True)
def check_signed_url_binding(app_configs=None, **kwargs) -> list[CheckMessage]:
    if getattr(settings, "SIGNED_URL_BIND_IP", False):
        return []
    return [
        CheckWarning(
            "SIGNED_URL_BIND_IP is off: signed download and stream links work from any "
            "address until they expire.",
            hint=(
                "A link that leaks (shared, logged, forwarded) can be replayed by anyone, and "
                "nginx refuses unbound stream tokens off the intranet. Set SIGNED_URL_BIND_IP=1."
            ),
            id="edu_portal.W006",
        )
    ]


@register(Tags.security, deploy=True)
def check_debug(app_configs=None, **kwargs) -> list[CheckMessage]:
    if not settings.DEBUG:
        return []
    return [
        CheckWarning(
            "DEBUG is on.",
            hint=(
                "Error pages then show settings, paths and code to whoever causes an error. "
                "Set DEBUG=0 in /etc/edu-portal/env."
            ),
            id="edu_portal.W007",
        )
    ]
