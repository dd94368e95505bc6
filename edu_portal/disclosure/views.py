"""Pages: the public application form and lookup, and the office's intake pages (list,
registration of paper/fax applications, an application with its clock)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edu_portal.access import client_ip
from edu_portal.accounts import challenge, permissions
from edu_portal.disclosure import actions, lookup
from edu_portal.disclosure.forms import (
    HANDLE,
    ApplicationFields,
    EventFields,
    LookupFields,
    RegistrationFields,
)
from edu_portal.disclosure.models import Application


@require_GET
@never_cache
def challenge_view(request: HttpRequest) -> JsonResponse:
    """A fresh proof-of-work challenge for the application form's widget."""
    return JsonResponse(challenge.create())


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationFields(request.POST or None)
    challenge_error = ""
    if request.method == "POST":
        # The challenge first: a script that cannot solve it learns nothing about the fields.
        if not challenge.verify(request.POST.get(challenge.FIELD)):
            challenge_error = _(
                "The check that you are not a program was not completed. Tick the box, wait "
                "until it is done, then send again."
            )
        elif form.is_valid():
            application = actions.submit_online(form.cleaned_data, client_ip=client_ip(request))
            return render(request, "disclosure/apply_done.html", {"application": application})
    return render(
        request,
        "disclosure/apply.html",
        {"form": form, "challenge_error": challenge_error},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def lookup_view(request: HttpRequest) -> HttpResponse:
    form = LookupFields(request.POST or None)
    application = None
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            application = lookup.find(
                form.cleaned_data["code"], form.cleaned_data["phone"], ip=client_ip(request)
            )
        except lookup.Throttled:
            error = _("Too many attempts. Wait a quarter of an hour, then try again.")
            status = 429
        else:
            if application is None:
                error = _("No application matches this query code and phone number.")
                status = 404
    elif request.method == "POST":
        error = _("No application matches this query code and phone number.")
        status = 400
    return render(
        request,
        "disclosure/lookup.html",
        {"form": form, "application": application, "error": error},
        status=status,
    )


# --- the office ---------------------------------------------------------------------------------


def _require_handler(request: HttpRequest) -> None:
    if not permissions.has_perm(request.user, HANDLE):
        raise PermissionDenied(_("Only the disclosure office can handle applications."))


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    _require_handler(request)
    state = request.GET.get("state", "")
    rows = Application.objects.all()
    if state in Application.State.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    rows = rows.order_by("state", "due_on", "-submitted_at")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "disclosure/staff_list.html",
        {"page": page, "state": state, "states": Application.State.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_register(request: HttpRequest) -> HttpResponse:
    _require_handler(request)
    form = RegistrationFields(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        channel, received_on = data.pop("channel"), data.pop("received_on")
        application = actions.register(request.user, data, channel=channel, received_on=received_on)
        return redirect("disclosure:detail", application.pk)
    return render(request, "disclosure/staff_register.html", {"form": form})


@login_required
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_handler(request)
    application = get_object_or_404(Application, pk=pk)
    actions.show_personal_data(request.user, application)
    return _detail(request, application, EventFields(initial={"on": timezone.localdate()}))


def _detail(request, application, event_form, status=200, error=""):
    return render(
        request,
        "disclosure/staff_detail.html",
        {
            "application": application,
            "events": application.events.select_related("actor", "approver"),
            "event_form": event_form,
            "error": error,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def staff_event(request: HttpRequest, pk: int) -> HttpResponse:
    _require_handler(request)
    application = get_object_or_404(Application, pk=pk)
    form = EventFields(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_event(
                request.user,
                application,
                data["type"],
                data["on"],
                outcome=data["outcome"],
                days=data["days"],
                approver=data["approver"],
                note=data["note"],
                reply_text=data["reply_text"],
            )
        except ValidationError as exc:
            return _detail(request, application, form, 400, " ".join(exc.messages))
        return redirect("disclosure:detail", application.pk)
    return _detail(request, application, form, 400)
