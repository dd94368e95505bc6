"""The staff's pages: the office's inbox, the department's list, a letter with its history
and the steps the viewer may take. Thin: ``actions`` checks and changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from edu_portal.accounts.permissions import units_with_perm
from edu_portal.interaction import actions, forms
from edu_portal.interaction.models import OPEN_STATES, Kind, Letter, State
from edu_portal.schools.privacy import mask_email, mask_phone


def _mask_name(name: str) -> str:
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _rows(letters, today):
    for letter in letters:
        letter.masked_name = _mask_name(letter.name)
        letter.masked_phone = mask_phone(letter.phone)
        letter.overdue = letter.is_open and letter.due_on < today
        yield letter


def _list(request: HttpRequest, letters, template: str, extra: dict) -> HttpResponse:
    state = request.GET.get("state", "")
    kind = request.GET.get("kind", "")
    if state == "open":
        letters = letters.filter(state__in=OPEN_STATES)
    elif state in State.values:
        letters = letters.filter(state=state)
    if kind in Kind.values:
        letters = letters.filter(kind=kind)
    today = timezone.localdate()
    if request.GET.get("overdue"):
        letters = letters.filter(state__in=OPEN_STATES, due_on__lt=today)
    letters = letters.select_related("department").order_by("due_on", "pk")
    page = Paginator(letters, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": list(_rows(page.object_list, today)),
        "states": State.choices,
        "kinds": Kind.choices,
        "state": state,
        "kind": kind,
        "overdue": bool(request.GET.get("overdue")),
        **extra,
    }
    return render(request, template, context)


@login_required
@require_GET
def office(request: HttpRequest) -> HttpResponse:
    if not actions.can_handle(request.user):
        raise PermissionDenied(_("Only the office handles the bureau's letters."))
    return _list(request, Letter.objects.all(), "interaction/office.html", {"office": True})


@login_required
@require_GET
def department(request: HttpRequest) -> HttpResponse:
    units = units_with_perm(request.user, actions.REPLY)
    if not units.exists():
        raise PermissionDenied(_("Your account answers no letters."))
    letters = Letter.objects.filter(department__in=units)
    return _list(request, letters, "interaction/office.html", {"office": False})


def _visible(request: HttpRequest, pk: int) -> Letter:
    letter = get_object_or_404(Letter.objects.select_related("department"), pk=pk)
    if not actions.can_view(request.user, letter):
        raise Http404  # another department's letter: as if there were none
    return letter


@login_required
@require_GET
def letter_page(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _visible(request, pk)
    actions.reveal(request.user, letter, where="letter page")
    handle = actions.can_handle(request.user)
    reply = actions.can_reply(request.user, letter)
    context = {
        "letter": letter,
        "events": letter.events.select_related("actor"),
        "handle": handle,
        "reply": reply,
        "masked_email": mask_email(letter.email),
        "accept_form": forms.AcceptForm(),
        "reason_form": forms.ReasonForm(),
        "dispatch_form": forms.DepartmentForm(initial={"department": letter.department_id}),
        "draft_form": forms.DraftForm(initial={"answer": letter.answer}),
        "approve_form": forms.ApproveForm(
            initial={
                "answer": letter.answer,
                "method": "email" if letter.email else "sms",
                "publish": letter.publish_consent,
                "public_question": actions.scrub(letter.body, letter),
            }
        ),
        "extend_form": forms.ExtendForm(),
    }
    return render(request, "interaction/letter.html", context)


def _accept(request, letter, data):
    form = forms.AcceptForm(data)
    form.is_valid() or _invalid(form)
    return actions.accept(request.user, letter, form.cleaned_data.get("department"))


def _reject(request, letter, data):
    return actions.reject(request.user, letter, data.get("reason", ""))


def _dispatch(request, letter, data):
    form = forms.DepartmentForm(data)
    form.is_valid() or _invalid(form)
    return actions.dispatch(request.user, letter, form.cleaned_data["department"])


def _draft(request, letter, data):
    return actions.draft(request.user, letter, data.get("answer", ""))


def _return(request, letter, data):
    return actions.return_answer(request.user, letter, data.get("reason", ""))


def _approve(request, letter, data):
    form = forms.ApproveForm(data)
    form.is_valid() or _invalid(form)
    return actions.approve(request.user, letter, **form.cleaned_data)


def _extend(request, letter, data):
    form = forms.ExtendForm(data)
    form.is_valid() or _invalid(form)
    return actions.extend(request.user, letter, **form.cleaned_data)


def _invalid(form) -> None:
    raise ValidationError([e for errors in form.errors.values() for e in errors])


STEPS = {
    "accept": (_accept, _("The letter was accepted.")),
    "reject": (_reject, _("The letter was not accepted; the writer sees the reason.")),
    "dispatch": (_dispatch, _("The letter was sent to the department.")),
    "draft": (_draft, _("The answer went to the office for approval.")),
    "return": (_return, _("The answer went back to the department.")),
    "approve": (_approve, _("The answer was approved and is being given to the writer.")),
    "extend": (_extend, _("The deadline was extended.")),
}


@login_required
@require_POST
def step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in STEPS:
        raise Http404
    letter = _visible(request, pk)
    do, done = STEPS[name]
    try:
        do(request, letter, request.POST)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("interaction:letter", pk=letter.pk)
