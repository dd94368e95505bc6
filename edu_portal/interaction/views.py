"""The public pages: write a letter, look it up (and rate the answer), 热点问答."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edu_portal.access import client_ip
from edu_portal.accounts import challenge
from edu_portal.interaction import actions, throttle
from edu_portal.interaction.forms import LetterForm, LookupForm, RateForm
from edu_portal.interaction.models import Letter, State

SESSION_CODE = "interaction_letter_code"


def challenge_refused() -> str:
    return _(
        "Please tick “I'm not a robot” and wait until it is checked, then send the letter "
        "again. This small puzzle keeps automated mass submissions out."
    )


def not_found_sentence() -> str:
    return _("No letter matches this query code and phone number. Check both and try again.")


def too_many_sentence() -> str:
    return _("Too many look-ups from your address. Please try again in an hour.")


@require_GET
@never_cache
def letter_challenge(request: HttpRequest) -> JsonResponse:
    """A fresh proof-of-work challenge for the letter form's widget."""
    return JsonResponse(challenge.create())


@require_http_methods(["GET", "POST"])
def write(request: HttpRequest) -> HttpResponse:
    form = LetterForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        if not challenge.verify(request.POST.get(challenge.FIELD)):
            form.add_error(None, challenge_refused())
        else:
            try:
                letter = actions.submit(**form.cleaned_data, client_ip=client_ip(request))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                request.session[SESSION_CODE] = letter.query_code
                return redirect("interaction:thanks")
    return render(request, "interaction/write.html", {"form": form})


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    code = request.session.get(SESSION_CODE)
    if not code:
        return redirect("interaction:write")
    return render(request, "interaction/thanks.html", {"code": code})


def _found(request: HttpRequest, form) -> Letter | None:
    if not throttle.allow_lookup(client_ip(request)):
        form.add_error(None, too_many_sentence())
        return None
    letter = actions.lookup(form.cleaned_data["code"], form.cleaned_data["phone"])
    if letter is None:
        form.add_error(None, not_found_sentence())
    return letter


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """POST, so that the code and phone number stay out of addresses and server logs."""
    form = LookupForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    letter = None
    if request.method == "POST" and form.is_valid():
        letter = _found(request, form)
    rate_form = None
    if letter is not None and letter.state == State.ANSWERED and letter.rating is None:
        rate_form = RateForm(initial=form.cleaned_data)
    return render(
        request,
        "interaction/lookup.html",
        {"form": form, "letter": letter, "rate_form": rate_form},
    )


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST)
    letter = _found(request, form) if form.is_valid() else None
    if letter is not None:
        try:
            letter = actions.rate(letter, form.cleaned_data["rating"], form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you for rating the answer."))
    return render(
        request,
        "interaction/lookup.html",
        {
            "form": LookupForm(initial=request.POST),
            "letter": letter,
            "rate_form": None,
            "rate_errors": form.non_field_errors(),
        },
    )


def published():
    return Letter.objects.filter(published_at__isnull=False).order_by("-published_at", "-pk")


@require_GET
def answers(request: HttpRequest) -> HttpResponse:
    """热点问答: the published answers, newest first."""
    page = Paginator(published().only("pk", "kind", "public_subject", "published_at"), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "interaction/answers.html", {"page": page})


@require_GET
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(published(), pk=pk)
    return render(request, "interaction/answer.html", {"letter": letter})
