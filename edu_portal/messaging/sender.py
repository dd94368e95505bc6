"""The sender's pages: the list of notices sent, compose and edit, the report, reminders,
withdrawal and the Excel export of replies.

Thin: each view finds the notice among those the user may see (404 otherwise, so another
school's notice is not even confirmed to exist), parses a form, calls one function of
``messaging.actions`` (which checks the scope again, sanitises, audits and enqueues after
commit) and renders. Nothing is sent from the request: "Send now" only starts the task.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from edu_portal.accounts import permissions
from edu_portal.accounts.audit import log_event
from edu_portal.messaging import actions, export, forms, sending
from edu_portal.messaging import audience as audiences
from edu_portal.messaging import sender_report as reports
from edu_portal.messaging.models import Channel, Notice, NoticeAttachment, Recipient
from edu_portal.storage.serving import serve_stored

PAGE_SIZE = 30


# --- who sees what ----------------------------------------------------------------------------


def _may_send(user) -> bool:
    return permissions.has_perm(user, audiences.PERM)


def _may_see(user) -> bool:
    return _may_send(user) or permissions.has_perm(user, actions.MANAGE_PERM)


def attachment_limits() -> dict:
    return {
        "max_size": settings.NOTICE_ATTACHMENT_MAX_BYTES,
        "count": settings.NOTICE_ATTACHMENTS_MAX,
        "types": ", ".join(actions.ATTACHMENT_EXTENSIONS),
        "accept": ",".join(f".{ext}" for ext in actions.ATTACHMENT_EXTENSIONS),
    }


def _notice(request: HttpRequest, pk: int) -> Notice:
    if not _may_see(request.user):
        raise PermissionDenied(_("Only teachers and school administrators send notices."))
    return get_object_or_404(
        actions.visible_notices(request.user).select_related("org_unit", "sender"), pk=pk
    )


def _errors(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, PermissionDenied):
        return [str(exc)]
    return [str(message) for message in exc.messages]


def _form_errors(form, exc: ValidationError | PermissionDenied) -> None:
    """The action's refusal on the form: under the field it concerns when the form has it
    (title, body, reply choices, send time), else at the top (audience, attachments)."""
    if not hasattr(exc, "error_dict"):
        for message in _errors(exc):
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


# --- the list ---------------------------------------------------------------------------------


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        raise PermissionDenied(_("Only teachers and school administrators send notices."))
    notices = (
        actions.visible_notices(request.user)
        .select_related("org_unit", "sender")
        .annotate(
            n_recipients=Count("recipients", distinct=True),
            n_read=Count("recipients", filter=Q(recipients__read_at__isnull=False), distinct=True),
            n_confirmed=Count(
                "recipients", filter=Q(recipients__confirmed_at__isnull=False), distinct=True
            ),
            n_replied=Count(
                "recipients", filter=Q(recipients__replied_at__isnull=False), distinct=True
            ),
        )
        .order_by("-created_at", "-pk")
    )
    state = request.GET.get("state", "")
    if state in Notice.State.values:
        notices = notices.filter(state=state)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/sender/sent.html",
        {
            "page": page,
            "state": state,
            "states": Notice.State.choices,
            "may_send": _may_send(request.user),
        },
    )


# --- compose and edit -------------------------------------------------------------------------


def _attachments(request: HttpRequest, notice: Notice) -> None:
    for upload in request.FILES.getlist("attachments"):
        actions.add_attachment(request.user, notice, upload)


def _after_save(request: HttpRequest, notice: Notice, action: str) -> Notice:
    if action == "send":
        actions.send_now(request.user, notice)
        messages.success(
            request, _("The notice is being sent. The report fills in as guardians receive it.")
        )
    elif action == "schedule":
        when = timezone.localtime(notice.send_at).strftime("%Y-%m-%d %H:%M")
        messages.success(request, _("The notice will be sent at %(when)s.") % {"when": when})
    else:
        messages.success(request, _("The draft was saved."))
    return notice


@login_required
@never_cache
def compose(request: HttpRequest) -> HttpResponse:
    if not _may_send(request.user):
        raise PermissionDenied(_("Only teachers and school administrators send notices."))
    scope = forms.Scope(request.user)
    action = request.POST.get("do", "draft")
    form = forms.NoticeForm(request.POST or None, scope=scope, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                notice = actions.create_notice(request.user, **form.notice_fields())
                _attachments(request, notice)
                _after_save(request, notice, form.action)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            if form.action == "draft":
                return redirect("messaging:edit", pk=notice.pk)
            return redirect("messaging:report", pk=notice.pk)
    return render(
        request,
        "messaging/sender/compose.html",
        {
            "form": form,
            "scope": scope,
            "notice": None,
            "limits": attachment_limits(),
            **form.picker_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@never_cache
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if not notice.editable:
        if request.method == "POST":
            messages.error(
                request, _("A notice that has been sent cannot be changed, only withdrawn.")
            )
            return _read_only(request, notice, status=409)
        return _read_only(request, notice)
    scope = forms.Scope(request.user)
    action = request.POST.get("do", "draft")
    if request.method == "POST":
        form = forms.NoticeForm(request.POST, scope=scope, action=action)
        if form.is_valid():
            try:
                with transaction.atomic():
                    notice = actions.update_notice(request.user, notice, **form.notice_fields())
                    _attachments(request, notice)
                    _after_save(request, notice, form.action)
            except (ValidationError, PermissionDenied) as exc:
                _form_errors(form, exc)
            else:
                if form.action == "draft":
                    return redirect("messaging:edit", pk=notice.pk)
                return redirect("messaging:report", pk=notice.pk)
    else:
        form = forms.NoticeForm(initial=forms.NoticeForm.initial_from(notice), scope=scope)
    return render(
        request,
        "messaging/sender/compose.html",
        {
            "form": form,
            "scope": scope,
            "notice": notice,
            "limits": attachment_limits(),
            "preview": reports.preview(notice),
            **form.picker_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _read_only(request: HttpRequest, notice: Notice, *, form=None, status: int = 200):
    return render(
        request,
        "messaging/sender/notice.html",
        {
            "notice": notice,
            "form": form or forms.WithdrawForm(),
            "preview": reports.preview(notice),
            "audience": reports.describe_audience(notice),
            "channels": [
                label for value, label in Channel.choices if value in (notice.channels or [])
            ],
        },
        status=status,
    )


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    try:
        actions.delete_notice(request.user, notice)
    except (ValidationError, PermissionDenied) as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect("messaging:edit", pk=notice.pk)
    messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": notice.title})
    return redirect("messaging:sent")


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    notice = _notice(request, pk)
    attachment = get_object_or_404(NoticeAttachment, notice=notice, pk=attachment_id)
    try:
        actions.remove_attachment(request.user, attachment)
    except (ValidationError, PermissionDenied) as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("“%(name)s” was removed.") % {"name": attachment.name})
    return redirect("messaging:edit", pk=notice.pk)


@login_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    notice = _notice(request, pk)
    item = get_object_or_404(NoticeAttachment, notice=notice, pk=attachment_id)
    return serve_stored(request, item.key, cache_control="private, no-store", filename=item.name)


# --- after sending ----------------------------------------------------------------------------


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        return _read_only(request, notice, form=form, status=400)
    try:
        actions.withdraw(request.user, notice, form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in _errors(exc):
            form.add_error(None, message)
        return _read_only(request, notice, form=form, status=409)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _read_only(request, notice, form=form, status=403)
    messages.success(request, _("The notice was withdrawn. Those who received it are being told."))
    return redirect("messaging:edit", pk=notice.pk)


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    try:
        count = sending.outstanding(notice).count()
        actions.remind(request.user, notice)
    except (ValidationError, PermissionDenied) as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "A reminder is on its way to the %(n)d guardian who has not answered.",
                "A reminder is on its way to the %(n)d guardians who have not answered.",
                count,
            )
            % {"n": count},
        )
    return redirect("messaging:report", pk=notice.pk)


@login_required
@never_cache
def report(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    data = reports.sender_report(notice)
    if request.GET.get("format") == "json":
        # The page refreshes its numbers with this while the notice goes out.
        return JsonResponse(reports.numbers(data))
    return render(
        request,
        "messaging/sender/report.html",
        {"notice": notice, "report": data, "preview": reports.preview(notice)},
    )


@login_required
def export_replies(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if notice.state == Notice.State.DRAFT:
        raise Http404(_("A draft has no replies."))
    content = export.replies_workbook([notice])
    # Names of pupils and guardians leave the platform: who took them, and when.
    log_event(
        notice,
        {"export": ["", f"replies.xlsx ({Recipient.objects.filter(notice=notice).count()})"]},
        action=LogEntry.Action.ACCESS,
    )
    response = HttpResponse(content, content_type=export.CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="notice-{notice.pk}-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
