"""A guardian's consent and channel choices: the pages and the actions behind them.

PIPL art. 31 asks for the guardian's consent before a child's personal information is
processed for them; art. 28 counts children's data as sensitive. So a guardian sees no
notice, and none of their children's names, until they have read what is collected and
why and agreed (the inbox and the inbox API ask first; the short link page asks too).
Consent is recorded with its time, the version of the text and the address it came from.
Withdrawing it stops SMS and e-mail at once and the inbox asks again; staff accounts that
are nobody's guardian are not asked (their notices name no child).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from edu_portal.access import client_ip
from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.accounts.models import GuardianLink, User
from edu_portal.messaging.models import ChannelPreference

# Raise it when the consent text changes materially: everyone is asked again.
CONSENT_VERSION = "2025-1"


def is_guardian(user) -> bool:
    return user.is_authenticated and GuardianLink.objects.filter(guardian_id=user.pk).exists()


def has_consented(user) -> bool:
    return ChannelPreference.objects.filter(
        user_id=user.pk, consent_at__isnull=False, consent_version=CONSENT_VERSION
    ).exists()


def needs_consent(user) -> bool:
    """A guardian who has not agreed to the current text."""
    return is_guardian(user) and not has_consented(user)


def _defaults(user) -> dict[str, bool]:
    """The channels of a guardian who has not chosen: SMS when there is a mobile number."""
    return {"sms": bool(user.phone), "email": False}


def channels(user) -> dict[str, bool]:
    """The guardian's choice of ``sms`` and ``email``, else the defaults."""
    current = ChannelPreference.objects.filter(user_id=user.pk).first()
    return {"sms": current.sms, "email": current.email} if current else _defaults(user)


def _preference(user) -> ChannelPreference:
    """The row, locked; made with the defaults."""
    preference, _created = ChannelPreference.objects.select_for_update().get_or_create(
        user=user, defaults=_defaults(user)
    )
    return preference


def record_consent(user, ip: str | None) -> ChannelPreference:
    with transaction.atomic(), actor_context(user, remote_addr=ip):
        preference = _preference(user)
        before = preference.consent_at
        preference.consent_at = timezone.now()
        preference.consent_version = CONSENT_VERSION
        preference.consent_ip = ip
        preference.save(update_fields=["consent_at", "consent_version", "consent_ip"])
        log_event(
            preference,
            {
                "consent_at": [before and before.isoformat(), preference.consent_at.isoformat()],
                "consent_version": ["", CONSENT_VERSION],
            },
        )
    return preference


def withdraw_consent(user, ip: str | None) -> None:
    with transaction.atomic(), actor_context(user, remote_addr=ip):
        preference = _preference(user)
        changes = {
            "consent_at": [preference.consent_at and preference.consent_at.isoformat(), None],
            "sms": [str(preference.sms), "False"],
            "email": [str(preference.email), "False"],
        }
        preference.consent_at = None
        preference.consent_version = ""
        preference.consent_ip = None
        preference.sms = preference.email = False
        preference.save()
        log_event(preference, changes)


def set_channels(user, *, sms: bool, email: bool, address: str, ip: str | None) -> None:
    """The guardian's choice of channels; an e-mail address is taken only when the
    account has none (a changed address would redirect password resets: the school
    changes it). Audited."""
    with transaction.atomic(), actor_context(user, remote_addr=ip):
        if address and not user.email:
            # Through save(): auditlog records the User change with the actor.
            user.email = address
            user.save(update_fields=["email"])
        preference = _preference(user)
        changes = {}
        if preference.sms != sms:
            changes["sms"] = [str(preference.sms), str(sms)]
        if preference.email != email:
            changes["email"] = [str(preference.email), str(email)]
        if changes:
            preference.sms, preference.email = sms, email
            preference.save(update_fields=["sms", "email"])
            log_event(preference, changes)


# --- pages ---------------------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("messaging:inbox")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_page(request: HttpRequest) -> HttpResponse:
    """What is collected, why, how long, how to withdraw; POST agrees or withdraws."""
    if request.method == "POST":
        ip = client_ip(request)
        if request.POST.get("action") == "withdraw":
            withdraw_consent(request.user, ip)
            messages.success(
                request, _("Your consent is withdrawn. No SMS or e-mail will be sent to you.")
            )
            return redirect("messaging:consent")
        if request.POST.get("agree") != "yes":
            context = {"next": _next(request), "error": _("Tick the box to agree.")}
            return render(request, "messaging/inbox/consent.html", context, status=400)
        record_consent(request.user, ip)
        return redirect(_next(request))
    context = {"next": _next(request), "consented": has_consented(request.user)}
    return render(request, "messaging/inbox/consent.html", context)


class ChannelForm(forms.Form):
    sms = forms.BooleanField(label=gettext_lazy("By SMS"), required=False)
    email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    address = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.email:
            del self.fields["address"]

    def clean(self):
        data = super().clean()
        has_address = bool(self.user.email or data.get("address"))
        if data.get("email") and not has_address:
            self.add_error("address", _("Enter the address the notices are to be sent to."))
        if data.get("sms") and not self.user.phone:
            self.add_error(
                "sms", _("Your account has no mobile number; ask your child's school to add it.")
            )
        return data


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The inbox always; SMS and e-mail as the guardian chooses."""
    if needs_consent(request.user):
        return redirect(f"{reverse('messaging:consent')}?next={reverse('messaging:preferences')}")
    form = ChannelForm(request.POST or None, initial=channels(request.user), user=request.user)
    if request.method == "POST":
        if form.is_valid():
            set_channels(
                request.user,
                sms=form.cleaned_data["sms"],
                email=form.cleaned_data["email"],
                address=form.cleaned_data.get("address") or "",
                ip=client_ip(request),
            )
            messages.success(request, _("Your choices are saved."))
            return redirect("messaging:preferences")
        return render(request, "messaging/inbox/preferences.html", {"form": form}, status=400)
    return render(request, "messaging/inbox/preferences.html", {"form": form})
