"""The error pages of the whole site (the home page is the portal's, edu_portal.cms).

Every refusal says why and what to do, since a bare "Forbidden" leaves a teacher or a
parent with no way forward: the 403 handler shows the reason an ``access.AccessDenied``
carries, and API clients get the same sentence as JSON.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from edu_portal.access import AccessDenied, client_ip

logger = logging.getLogger(__name__)
# One line per refusal (method, path, reason code, client address), never a traceback: a
# refusal is the policy working, and outside visitors meet many of them.
refusals = logging.getLogger("edu_portal.refusals")


# --- error pages ---------------------------------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _json_error(status: int, detail: str, code: str, hint: str = "") -> JsonResponse:
    body = {"detail": detail, "code": code}
    if hint:
        body["hint"] = hint
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _printable(text: str, limit: int = 300) -> str:
    """``text`` on one line: a path may carry encoded line breaks meant to forge log lines."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit])
    return shown + ("…" if len(text) > limit else "")


def _log_refusal(request: HttpRequest, code: str) -> None:
    # The path without its query string, which may hold a signed token.
    refusals.info(
        "Refused %s %s: 403 %s from %s",
        _printable(request.method or "-", 16),
        _printable(request.path),
        code,
        client_ip(request) or "unknown address",
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the reason for the refusal and what the person can do about it."""
    if isinstance(exception, AccessDenied):
        code, message, hint = exception.code, exception.message, exception.hint
    else:
        # A bare PermissionDenied's text is written for developers, not for the person
        # looking at the page; say something true and useful instead.
        code = "permission_denied"
        message = _("You do not have permission to open this page.")
        hint = _(
            "If you think you should have access, sign in with the right account "
            "or ask your school administrator."
        )
    _log_refusal(request, code)
    if _is_api(request):
        return _json_error(403, message, code, hint)
    context = {
        "code": code,
        "message": message,
        "hint": hint,
        "client_ip": getattr(request, "client_ip", None),
        "show_ip": code == "outside_intranet",
    }
    return render(request, "403.html", context, status=403)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: what Django refuses before any view runs (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad host), in the API's words too."""
    if isinstance(exception, RequestDataTooBig):
        detail, code = _("The request is too large. Send less text at once."), "too_large"
    else:
        detail, code = _("The request could not be understood."), "bad_request"
    if _is_api(request):
        return _json_error(400, detail, code)
    return HttpResponseBadRequest(f"<!doctype html><title>400</title><h1>{escape(detail)}</h1>")


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404."""
    if _is_api(request):
        return _json_error(404, _("Not found."), "not_found")
    return render(request, "404.html", {"request_path": request.path}, status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: rendered without context processors, which may be what failed."""
    if _is_api(request):
        return _json_error(500, _("The server had a problem. Please try again later."), "error")
    try:
        template = loader.get_template("500.html")
        body = template.render({"SITE_NAME": settings.SITE_NAME, "LANGUAGE_CODE": get_language()})
    except Exception:  # the error page itself must not fail; fall back to plain text
        logger.exception("500.html could not be rendered")
        body = "<!doctype html><title>500</title><h1>Server Error (500)</h1>"
    return HttpResponse(body, status=500)
