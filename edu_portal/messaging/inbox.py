"""The guardian's pages: the inbox (the 通知 section), one notice, its attachments, the
short signed link's page, and the home-screen app's manifest and service worker.

Receipts follow ``receipts``: opening a notice in the signed-in inbox records it as read
(the person is known and chose to open it); the short link's page records nothing on GET,
since mail gateways and chat apps fetch every link, and records read, confirmation or
reply only on a POST from the page. Confirmations and replies are POSTs everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from edu_portal.access import client_ip
from edu_portal.accounts.permissions import has_perm
from edu_portal.messaging import consent, links, receipts
from edu_portal.messaging.html import clean_body
from edu_portal.messaging.models import Notice, NoticeAttachment, Recipient
from edu_portal.storage.serving import serve_stored

PER_PAGE = 20
_STATIC = Path(__file__).resolve().parent / "static" / "messaging"


def _consent_first(request: HttpRequest) -> HttpResponse | None:
    if consent.needs_consent(request.user):
        return redirect(f"{reverse('messaging:consent')}?next={request.path}")
    return None


@require_safe
def notices(request: HttpRequest) -> HttpResponse:
    """The 通知 section: a guardian's inbox; a sender (who is nobody's guardian) goes to
    the notices they sent; a visitor reads what the section is and signs in."""
    if not request.user.is_authenticated:
        return render(request, "messaging/inbox/landing.html")
    sent_url = reverse("messaging:sent") if has_perm(request.user, "notice.send") else None
    guardian = consent.is_guardian(request.user)
    if sent_url and not guardian and not receipts.inbox(request.user).exists():
        return redirect(sent_url)
    if refusal := _consent_first(request):
        return refusal
    page = Paginator(receipts.inbox(request.user), PER_PAGE).get_page(request.GET.get("page"))
    receipts.attach_children(list(page.object_list))
    context = {
        "page": page,
        "unread": receipts.unread(request.user).count(),
        "sent_url": sent_url,
        "guardian": guardian,
    }
    return render(request, "messaging/inbox/list.html", context)


def _detail_context(recipient: Recipient, **extra) -> dict:
    receipts.attach_children([recipient])
    notice = recipient.notice
    withdrawn = notice.state == Notice.State.WITHDRAWN
    context = {
        "recipient": recipient,
        "notice": notice,
        "withdrawn": withdrawn,
        # Stored cleaned; cleaned again here with the same allow-list, since a page must
        # not trust what another module wrote (a row from the admin or an import).
        "body": "" if withdrawn else mark_safe(clean_body(notice.body)),  # noqa: S308
        "attachments": [] if withdrawn else notice.attachments.all(),
        "concerns": receipts.concerns_text(recipient.concerns),
        "choices": notice.reply_choices or [],
    }
    if extra.get("via_link"):
        context["code"] = links.code_for(recipient)
    context.update(extra)
    return context


def _own_receipt(request: HttpRequest, notice_id: int) -> Recipient:
    try:
        return receipts.receipt_of(request.user, notice_id)
    except Recipient.DoesNotExist:
        raise Http404(_("There is no such notice in your inbox.")) from None


@login_required
@require_safe
@never_cache
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    """One notice; opening it here, signed in, is reading it."""
    if refusal := _consent_first(request):
        return refusal
    recipient = _own_receipt(request, notice_id)
    receipts.mark_read(recipient, ip=client_ip(request))
    context = _detail_context(recipient, action=reverse("messaging:inbox-answer", args=[notice_id]))
    return render(request, "messaging/inbox/detail.html", context)


def _done(action: str) -> str | None:
    """The sentence that says a receipt was recorded."""
    return {
        "read": _("Recorded: you have read this notice."),
        "confirm": _("Thank you, your confirmation is recorded."),
        "reply": _("Thank you, your reply is recorded."),
    }.get(action)


def _answer(
    request: HttpRequest, recipient: Recipient
) -> tuple[str | None, ValidationError | None]:
    """Carry out the POSTed receipt; a success sentence, or the refusal."""
    ip = client_ip(request)
    action = request.POST.get("action", "")
    try:
        if action == "read":
            receipts.ensure_open(recipient)
            receipts.mark_read(recipient, ip=ip)
            return _done(action), None
        if action == "confirm":
            receipts.confirm(recipient, ip=ip)
            return _done(action), None
        if action == "reply":
            receipts.reply(recipient, request.POST.get("choice"), request.POST.get("text"), ip=ip)
            return _done(action), None
    except ValidationError as error:
        return None, error
    return None, ValidationError(_("Choose what to do with the notice."), code="invalid")


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in error.message_dict.items()}
    return {"general": [str(m) for m in error.messages]}


@login_required
@require_POST
def notice_answer(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The confirm button and the reply form of the signed-in page."""
    if refusal := _consent_first(request):
        return refusal
    recipient = _own_receipt(request, notice_id)
    done, error = _answer(request, recipient)
    if error is not None:
        recipient.refresh_from_db()
        context = _detail_context(
            recipient,
            action=reverse("messaging:inbox-answer", args=[notice_id]),
            errors=_errors(error),
            posted=request.POST,
        )
        return render(request, "messaging/inbox/detail.html", context, status=400)
    messages.success(request, done)
    return redirect("messaging:inbox-notice", notice_id=notice_id)


def _serve_attachment(request: HttpRequest, recipient: Recipient, attachment_id: int):
    if recipient.notice.state == Notice.State.WITHDRAWN:
        raise Http404(_("This notice has been withdrawn."))
    attachment = NoticeAttachment.objects.filter(
        pk=attachment_id, notice_id=recipient.notice_id
    ).first()
    if attachment is None:
        raise Http404(_("There is no such attachment."))
    # Personal: never kept by a shared cache.
    return serve_stored(
        request, attachment.key, cache_control="private, no-store", filename=attachment.name
    )


@login_required
@require_safe
def attachment(request: HttpRequest, notice_id: int, attachment_id: int) -> HttpResponse:
    if refusal := _consent_first(request):
        return refusal
    return _serve_attachment(request, _own_receipt(request, notice_id), attachment_id)


# --- the short signed link -------------------------------------------------------------------


def _link_refused(request: HttpRequest, expired: bool) -> HttpResponse:
    context = {"expired": expired}
    return render(
        request, "messaging/inbox/link_error.html", context, status=410 if expired else 403
    )


def _resolve(request: HttpRequest, code: str) -> Recipient | HttpResponse:
    """The recipient of an active guardian the link was made for, or the refusal page."""
    try:
        recipient = links.resolve(code)
    except links.LinkExpired:
        return _link_refused(request, expired=True)
    except links.LinkInvalid:
        return _link_refused(request, expired=False)
    if not recipient.user.is_active:
        return _link_refused(request, expired=False)
    return recipient


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def link_page(request: HttpRequest, code: str) -> HttpResponse:
    """The notice for the guardian the link was made for, and that notice only. GET shows
    it; a POST from it records. No session is made: the link is the only credential, and
    it opens nothing else."""
    recipient = _resolve(request, code)
    if isinstance(recipient, HttpResponse):
        return recipient
    guardian = recipient.user
    needs_consent = consent.needs_consent(guardian)
    action_url = links.short_url(recipient)
    if request.method == "POST":
        if request.POST.get("action") == "consent":
            if request.POST.get("agree") == "yes":
                consent.record_consent(guardian, client_ip(request))
                return redirect(action_url)
            error = ValidationError(_("Tick the box to agree."), code="invalid")
            context = _detail_context(
                recipient,
                action=action_url,
                via_link=True,
                needs_consent=True,
                errors=_errors(error),
            )
            return render(request, "messaging/inbox/link.html", context, status=400)
        if not needs_consent:
            done, error = _answer(request, recipient)
            if error is None:
                return redirect(f"{action_url}?done={request.POST.get('action')}")
            recipient.refresh_from_db()
            context = _detail_context(
                recipient,
                action=action_url,
                via_link=True,
                errors=_errors(error),
                posted=request.POST,
            )
            return render(request, "messaging/inbox/link.html", context, status=400)
    done = _done(request.GET.get("done", ""))
    context = _detail_context(
        recipient, action=action_url, via_link=True, needs_consent=needs_consent, done=done
    )
    return render(request, "messaging/inbox/link.html", context)


@require_safe
def link_attachment(request: HttpRequest, code: str, attachment_id: int) -> HttpResponse:
    recipient = _resolve(request, code)
    if isinstance(recipient, HttpResponse):
        return recipient
    if consent.needs_consent(recipient.user):
        return _link_refused(request, expired=False)
    return _serve_attachment(request, recipient, attachment_id)


# --- the home-screen app ---------------------------------------------------------------------


def _icon(path: str, sizes: str, kind: str) -> dict:
    return {"src": static(path), "sizes": sizes, "type": kind, "purpose": "any"}


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """Built here rather than a static file: the icons' URLs carry the hashed static
    names in production, and the names follow the reader's language."""
    data = {
        "name": _("Home-school notices"),
        "short_name": _("Notices"),
        "lang": getattr(request, "LANGUAGE_CODE", "zh-hans"),
        "start_url": reverse("messaging:inbox"),
        "scope": reverse("messaging:inbox"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1a5fb4",
        "icons": [
            _icon("img/favicon.svg", "any", "image/svg+xml"),
            _icon("messaging/icon-192.png", "192x192", "image/png"),
            _icon("messaging/icon-512.png", "512x512", "image/png"),
        ],
    }
    body = json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/manifest+json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /notices/ so that its scope is the inbox (a worker's scope is at most
    the folder it is served from)."""
    response = HttpResponse((_STATIC / "sw.js").read_bytes(), content_type="text/javascript")
    # Browsers check for a new worker at most daily anyway; never cache it longer.
    response["Cache-Control"] = "no-cache"
    return response
