"""Pages of handling: the deadline board, a case's handling page with its steps (assign,
draft, approve/return, fees, letters, archive), letter downloads, the register export and
the 行政复议/诉讼 records. Thin: each step is one call of the action modules."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edu_portal.accounts import permissions
from edu_portal.disclosure import board as board_module
from edu_portal.disclosure import fees, handling, letters, register, reviews
from edu_portal.disclosure.handling_forms import (
    ApproveForm,
    ArchiveForm,
    AssignForm,
    BoardFilter,
    DeliveryForm,
    DraftForm,
    FeeForm,
    PaidForm,
    RegisterExportForm,
    ReturnForm,
    ReviewCaseForm,
)
from edu_portal.disclosure.models import (
    Application,
    Draft,
    FeeNotice,
    ReplyLetter,
    ReviewCase,
    Step,
)
from edu_portal.storage.serving import serve_stored


def _require_staff(user) -> None:
    if not (handling.is_office(user) or permissions.has_perm(user, handling.ANSWER)):
        raise PermissionDenied(_("Only the disclosure office and departments handle applications."))


def _visible(request: HttpRequest, pk: int) -> Application:
    _require_staff(request.user)
    application = get_object_or_404(
        Application.objects.select_related("handler_unit", "handler"), pk=pk
    )
    if not handling.can_see(request.user, application):
        raise Http404  # another department's case: as if it did not exist
    return application


@login_required
@require_GET
@never_cache
def board(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    office = handling.is_office(request.user)
    units = None if office else permissions.units_with_perm(request.user, handling.ANSWER)
    units = handling.departments() if units is None else units.filter(kind="department")
    form = BoardFilter(request.GET or None, units=units)
    unit_id = state = None
    if form.is_valid():
        unit_id = form.cleaned_data["unit"].pk if form.cleaned_data["unit"] else None
        state = form.cleaned_data["state"]
    result = board_module.build(
        request.user,
        unit_id=unit_id,
        state=state or "",
        page=request.GET.get("page"),
        today=timezone.localdate(),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disclosure/board.html",
        {"board": result, "form": form, "office": office, "query": query.urlencode()},
    )


def _context(request: HttpRequest, application: Application, **forms) -> dict:
    office = handling.is_office(request.user)
    today = timezone.localdate()
    drafts = list(application.drafts.select_related("author", "reviewer", "unit"))
    pending = next((d for d in drafts if d.state == Draft.State.PENDING), None)
    closed = application.is_closed
    return {
        "application": application,
        "office": office,
        "can_draft": handling.can_answer(request.user, application) and not closed and not pending,
        "drafts": drafts,
        "pending": pending,
        "steps": application.steps.select_related("actor"),
        "fee_notices": application.fee_notices.all(),
        "pending_fee": application.fee_notices.filter(state=FeeNotice.State.PENDING).first(),
        "letters": list(application.reply_letters.all()),
        "archived": application.steps.filter(type=Step.Type.ARCHIVED).exists(),
        "correction_answer_by": _correction_answer_by(application),
        "assign_form": forms.get("assign")
        or AssignForm(
            initial={"unit": application.handler_unit_id, "handler": application.handler_id}
        ),
        "draft_form": forms.get("draft") or DraftForm(),
        "approve_form": forms.get("approve") or ApproveForm(initial={"on": today}),
        "return_form": forms.get("return") or ReturnForm(),
        "fee_form": forms.get("fee") or FeeForm(initial={"on": today, "earlier": 0}),
        "paid_form": forms.get("paid") or PaidForm(initial={"on": today}),
        "delivery_form": forms.get("delivery") or DeliveryForm(initial={"on": today}),
        "archive_form": forms.get("archive") or ArchiveForm(),
        "error": forms.get("error", ""),
    }


def _correction_answer_by(application: Application) -> dt.date | None:
    if application.state != Application.State.CORRECTION:
        return None
    requested = application.events.filter(type="correction_requested").order_by("-on").first()
    return fees.correction_answer_by(requested.on) if requested else None


@login_required
@require_GET
@never_cache
def case(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    return render(request, "disclosure/handle.html", _context(request, application))


# --- steps: each (form class, call) ---------------------------------------------------------


def _assign(request, application, data):
    handling.assign(request.user, application, data["unit"], data["handler"], data["note"])


def _draft(request, application, data):
    handling.submit_draft(
        request.user, application, data["reply_type"], data["outcome"], data["text"]
    )


def _pending_draft(application) -> Draft:
    draft = application.drafts.filter(state=Draft.State.PENDING).first()
    if draft is None:
        raise ValidationError(_("No draft reply awaits approval."))
    return draft


def _approve(request, application, data):
    handling.approve_draft(request.user, _pending_draft(application), data["on"])


def _return(request, application, data):
    handling.return_draft(request.user, _pending_draft(application), data["comment"])


def _fee(request, application, data):
    fees.issue_notice(
        request.user,
        application,
        data["method"],
        data["quantity"],
        earlier=data["earlier"] or 0,
        on=data["on"],
        note=data["note"],
    )


def _paid(request, application, data):
    notice = application.fee_notices.filter(state=FeeNotice.State.PENDING).first()
    if notice is None:
        raise ValidationError(_("No fee notice is waiting for payment."))
    fees.record_payment(request.user, notice, data["on"])


def _letter(application) -> ReplyLetter:
    letter = application.reply_letters.order_by("-created_at", "-pk").first()
    if letter is None:
        raise ValidationError(_("There is no reply letter yet."))
    return letter


def _email(request, application, data):
    letters.send_email(request.user, _letter(application))


def _delivered(request, application, data):
    letters.record_delivery(
        request.user, _letter(application), data["via"], data["on"], data["note"]
    )


def _retry(request, application, data):
    letters.regenerate(request.user, _letter(application))


def _archive(request, application, data):
    handling.archive(request.user, application, data["note"])


STEPS = {
    "assign": ("assign", AssignForm, _assign),
    "draft": ("draft", DraftForm, _draft),
    "approve": ("approve", ApproveForm, _approve),
    "return": ("return", ReturnForm, _return),
    "fee": ("fee", FeeForm, _fee),
    "fee-paid": ("paid", PaidForm, _paid),
    "letter-email": ("", None, _email),
    "letter-delivered": ("delivery", DeliveryForm, _delivered),
    "letter-retry": ("", None, _retry),
    "archive": ("archive", ArchiveForm, _archive),
}


@login_required
@require_POST
def step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in STEPS:
        raise Http404
    application = _visible(request, pk)
    key, form_class, call = STEPS[name]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return render(
            request,
            "disclosure/handle.html",
            _context(request, application, **{key: form}),
            status=400,
        )
    try:
        call(request, application, form.cleaned_data if form else {})
    except ValidationError as exc:
        extra = {key: form} if form is not None else {}
        return render(
            request,
            "disclosure/handle.html",
            _context(request, application, error=" ".join(exc.messages), **extra),
            status=400,
        )
    return redirect("disclosure:handle", application.pk)


@login_required
@require_GET
def letter_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ("docx", "pdf"):
        raise Http404
    _require_staff(request.user)
    letter = get_object_or_404(ReplyLetter.objects.select_related("application"), pk=pk)
    if not handling.can_see(request.user, letter.application):
        raise Http404
    try:
        key, filename = letters.open_file(request.user, letter, kind)
    except ValidationError:
        raise Http404 from None
    return serve_stored(request, key, cache_control="private, no-store", filename=filename)


@login_required
@require_GET
def register_export(request: HttpRequest) -> HttpResponse:
    if not handling.is_office(request.user):
        raise PermissionDenied(_("Only the disclosure office can export the register."))
    today = timezone.localdate()
    form = RegisterExportForm(
        request.GET or {"start": dt.date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
    )
    if not form.is_valid():
        return render(request, "disclosure/register_export.html", {"form": form}, status=400)
    if "download" not in request.GET:
        return render(request, "disclosure/register_export.html", {"form": form})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    content = register.export(request.user, start, end)
    response = HttpResponse(content, content_type=register.CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="disclosure-register-{start.isoformat()}-{end.isoformat()}.xlsx"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review_cases(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not handling.is_office(request.user):
        raise PermissionDenied(_("Only the disclosure office records reconsiderations and suits."))
    case = get_object_or_404(ReviewCase, pk=pk) if pk else None
    form = ReviewCaseForm(request.POST or None, instance=case)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "application": form.cleaned_data["application_code"]}
        try:
            reviews.save(request.user, data, case)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("disclosure:reviews")
    cases = ReviewCase.objects.select_related("application")[:200]
    return render(
        request,
        "disclosure/reviews.html",
        {"form": form, "cases": cases, "case": case, "error": error},
        status=400 if request.method == "POST" else 200,
    )
