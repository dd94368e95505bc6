"""Liveness and readiness probes for load balancers, systemd, compose and operators.

``/healthz`` answers as long as the process can serve a request; it touches nothing else,
so a database outage does not get healthy web processes restarted. ``/readyz`` checks
every service a request may need (database, broker, object store, search) in parallel,
each with a short timeout and all under one deadline, so a dead or black-holed service
makes the probe fail quickly instead of hanging it. Neither needs a login.

Which service failed, why and how long each took tells an attacker what to aim at, so only
internal callers see it (loopback, the intranet, a trusted proxy asking for itself); anyone
else gets the status code and a bare ``{"status": ...}``.

Internal callers also see the age of the last good backup and the last integrity check,
with ``warnings`` naming what needs a person (a backup older than BACKUP_MAX_AGE_HOURS or
none yet, integrity findings). These never change the status code: they are faults of the
backup job or of the content, not of this web process, and a load balancer that took every
web server out for a late backup would turn it into an outage of the whole site.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from edu_portal.access import client_ip, is_intranet
from edu_portal.operations.metrics.status import backup_status, integrity_status

logger = logging.getLogger(__name__)

#: Seconds one check may take to connect or answer.
CHECK_TIMEOUT = 3.0
#: Seconds the whole probe may take; a check still running then is reported as timed out.
DEADLINE = 5.0
#: Longest reason reported per check.
MAX_REASON = 200

_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def _short(exc: BaseException) -> str:
    """One line saying what went wrong, without credentials that may sit in a URL."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = _CREDENTIALS.sub("***@", text)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


# --- the checks: each returns quietly when fine and raises with the reason otherwise ------


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    from edu_portal.celery import app

    url = settings.CELERY_BROKER_URL
    options = dict(app.conf.broker_transport_options or {})
    if url.startswith("filesystem"):
        # The filesystem transport "connects" without touching the disk; what can really
        # fail is the shared folder, so check that the web process can write into it.
        folder = options.get("data_folder_out")
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)):
            raise RuntimeError(f"broker folder {folder} is missing or not writable")
    options.setdefault("socket_connect_timeout", CHECK_TIMEOUT)  # Redis
    options.setdefault("socket_timeout", CHECK_TIMEOUT)
    with app.connection_for_write(
        url, connect_timeout=CHECK_TIMEOUT, transport_options=options
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_TIMEOUT)


def check_object_store() -> None:
    # Imported here: the storage module is optional for this probe to import at all, and
    # a missing or broken one is a readiness failure, not a crash of the whole site.
    try:
        from edu_portal.storage import get_storage
    except ImportError as exc:
        raise RuntimeError(f"storage module not available: {exc}") from exc
    get_storage().ping()


def check_search() -> None:
    from catalog.search import get_backend

    get_backend().ping(timeout=CHECK_TIMEOUT)


#: name → check, in the order they are reported. Tests replace entries to simulate faults.
CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "object_store": check_object_store,
    "search": check_search,
}


def _timed(check: Callable[[], None]) -> dict[str, object]:
    started = time.monotonic()
    try:
        check()
    except Exception as exc:  # any failure of a dependency means "not ready", with why
        result: dict[str, object] = {"status": "error", "reason": _short(exc)}
    else:
        result = {"status": "ok"}
    finally:
        # Each check runs in a pool thread of its own; close the database connections it
        # opened (database check, database search backend) instead of leaking them.
        for connection in connections.all(initialized_only=True):
            connection.close()
    result["ms"] = round((time.monotonic() - started) * 1000)
    return result


def run_checks(deadline: float | None = None) -> dict[str, dict[str, object]]:
    """Run every check in parallel; the result per name has ``status`` and maybe ``reason``."""
    deadline = DEADLINE if deadline is None else deadline
    results: dict[str, dict[str, object]] = {}
    # Not a context manager: leaving one waits for hung threads, which is what must not
    # happen. A hung check's thread is abandoned; the timeouts inside it end it later.
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(_timed, check) for name, check in CHECKS.items()}
        end = time.monotonic() + deadline
        for name, future in futures.items():
            try:
                results[name] = future.result(timeout=max(0.0, end - time.monotonic()))
            except FutureTimeout:
                results[name] = {
                    "status": "error",
                    "reason": f"no answer within {deadline:g} s",
                    "ms": round(deadline * 1000),
                }
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


@never_cache
@require_safe
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _in(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def is_internal(request: HttpRequest) -> bool:
    """May this caller see the names, reasons and timings of the checks?

    Yes for loopback, the intranet (INTRANET_NETWORKS) and a trusted proxy asking for
    itself, judged on the client address behind trusted proxies. A request that another
    proxy relayed (X-Forwarded-For from a peer outside TRUSTED_PROXIES) is from nobody
    knows where, even when that peer is this host's own nginx: no.
    """
    ip = client_ip(request)
    if ip is None:
        return False
    relayed = bool(request.META.get("HTTP_X_FORWARDED_FOR", "").strip())
    if relayed and not _in(request.META.get("REMOTE_ADDR", ""), settings.TRUSTED_PROXIES):
        return False
    return (
        _in(ip, [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")])
        or is_intranet(ip)
        or _in(ip, settings.TRUSTED_PROXIES)
    )


def operations_report(database_ok: bool = True) -> tuple[dict[str, object], list[str]]:
    """The backup and integrity state for /readyz, and the warnings it calls for."""
    report: dict[str, object] = {}
    warnings: list[str] = []
    if not database_ok:
        # Not asked again outside the deadline of the checks: a database that hangs must
        # not hang the probe here.
        unknown = {"status": "unknown", "reason": "database unavailable"}
        return {"backup": unknown, "integrity": unknown}, warnings
    try:
        backup = backup_status()
    except Exception as exc:  # the database is down: the checks above say so already
        report["backup"] = {"status": "unknown", "reason": _short(exc)}
    else:
        report["backup"] = backup.as_dict()
        if backup.stale:
            warnings.append("backup_stale")
    try:
        integrity = integrity_status()
    except Exception as exc:
        report["integrity"] = {"status": "unknown", "reason": _short(exc)}
    else:
        report["integrity"] = integrity.as_dict()
        if integrity.problem:
            warnings.append(f"integrity_{integrity.problem}")
    return report, warnings


@never_cache
@require_safe
@login_not_required
def readyz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failing = [name for name, result in checks.items() if result["status"] != "ok"]
    if failing:
        logger.warning(
            "readyz: not ready: %s",
            "; ".join(f"{name}: {checks[name].get('reason')}" for name in failing),
        )
    status = 503 if failing else 200
    if not is_internal(request):
        return JsonResponse({"status": "error" if failing else "ok"}, status=status)
    report, warnings = operations_report(checks.get("database", {}).get("status") == "ok")
    if failing:
        body = {"status": "error", "failing": failing, "checks": checks}
        return JsonResponse({**body, **report, "warnings": warnings}, status=503)
    return JsonResponse({"status": "ok", "checks": checks, **report, "warnings": warnings})


__all__ = ["CHECKS", "healthz", "readyz", "run_checks"]
