"""``/metrics``: the Prometheus text page, for internal callers only.

Who may scrape: a client address (``access.client_ip``, which believes X-Forwarded-For
only from TRUSTED_PROXIES) inside METRICS_ALLOWED_NETWORKS. A request relayed by a proxy
that is not trusted is refused even when that proxy is this host's nginx on loopback:
its real client is unknown. Everyone else gets a 404, the same as a path that does not
exist: the page names internals (queues, task names, backlog) and there is nothing a
visitor could do with a 403.
"""

from __future__ import annotations

import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import multiprocess

from edu_portal.access import client_ip
from edu_portal.operations.metrics.collector import OperationsCollector

#: The platform's collector, in a registry of its own: it queries the database and the
#: broker, which must happen only when /metrics is asked, not whenever something else
#: renders the global registry.
_operations = prometheus_client.CollectorRegistry(auto_describe=False)
_operations.register(OperationsCollector())


def _in(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def may_scrape(request: HttpRequest) -> bool:
    """Is the client of ``request`` an internal address allowed to read the metrics?"""
    relayed = bool(request.META.get("HTTP_X_FORWARDED_FOR", "").strip())
    if relayed and not _in(request.META.get("REMOTE_ADDR"), settings.TRUSTED_PROXIES):
        return False
    return _in(client_ip(request), settings.METRICS_ALLOWED_NETWORKS)


def request_registry() -> prometheus_client.CollectorRegistry:
    """Where the request metrics (django-prometheus's middleware) are.

    Under gunicorn each worker process counts its own requests; a scrape reaches one of
    them. With PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py) every process writes
    its values into files there and the MultiProcessCollector adds them up, so one scrape
    sees all workers. Without it (one process: runserver, tests) the global registry.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return prometheus_client.REGISTRY


@never_cache
@require_safe
@login_not_required
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        raise Http404
    body = prometheus_client.generate_latest(request_registry())
    body += prometheus_client.generate_latest(_operations)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)


__all__ = ["may_scrape", "metrics", "request_registry"]
