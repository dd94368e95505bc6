"""HTTP ends of the channels: the gateways' delivery-report callbacks and the e-mail
unsubscribe address (List-Unsubscribe)."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from edu_portal.access import client_ip
from edu_portal.accounts.models import User

from .. import consent
from ..privacy import mask_email
from .email import unsubscribe_user_id
from .sms import reports

log = logging.getLogger(__name__)

MAX_REPORT_BYTES = 1_000_000
MAX_REPORT_ITEMS = 1000

# What each gateway expects back: success, and a failure it will retry.
_ANSWERS = {
    "aliyun": (lambda: {"code": 0, "msg": "成功"}, lambda why: {"code": 1, "msg": why}),
    "tencent": (lambda: {"result": 0, "errmsg": "OK"}, lambda why: {"result": 1, "errmsg": why}),
}
_APPLY = {"aliyun": reports.apply_aliyun, "tencent": reports.apply_tencent}


@csrf_exempt  # called by the gateway, authenticated by the shared token instead
@require_POST
def delivery_report(request: HttpRequest, vendor: str) -> HttpResponse:
    ok, refused = _ANSWERS[vendor]
    expected = settings.SMS_REPORT_TOKEN
    given = request.GET.get("token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse(refused("bad token"), status=403)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return JsonResponse(refused("bad Content-Length"), status=400)
    if length > MAX_REPORT_BYTES:
        return JsonResponse(refused("too large"), status=413)
    try:
        items = json.loads(request.body.decode("utf-8"))
    # RecursionError: "[[[[…" nested beyond the parser's depth.
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JsonResponse(refused("body is not JSON"), status=400)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return JsonResponse(refused("expected a JSON array of reports"), status=400)
    if len(items) > MAX_REPORT_ITEMS:
        return JsonResponse(refused(f"at most {MAX_REPORT_ITEMS} reports a call"), status=413)
    settled = _APPLY[vendor](items)
    log.info("%s delivery reports: %s received, %s settled", vendor, len(items), settled)
    return JsonResponse(ok())


@csrf_exempt  # RFC 8058 one-click POSTs come from mail clients, with the signed token
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the button does (link scanners follow GETs); POST, from the page
    or a mail client's one-click unsubscribe, turns notice e-mails off for that person."""
    user_id = unsubscribe_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return render(request, "messaging/channels/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        sms = consent.channels(user)["sms"]
        # The guardian's channel choices, audited there.
        consent.set_channels(user, sms=sms, email=False, address="", ip=client_ip(request))
        done = True
    context = {"address": mask_email(user.email), "done": done, "token": token}
    return render(request, "messaging/channels/unsubscribe.html", context)
