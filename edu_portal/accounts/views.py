"""Sign in and out, change or reset a password (thin: forms and login_guard do the work)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from edu_portal.access import client_ip
from edu_portal.accounts import challenge, login_guard
from edu_portal.accounts.forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        # Asked for after failures of this account here (the form knows), and up front when
        # many accounts have been failing from this address.
        context["challenge_needed"] = getattr(form, "challenge_needed", False) or (
            login_guard.address_is_busy(client_ip(self.request))
        )
        return context


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); goes to LOGOUT_REDIRECT_URL afterwards."""


@require_GET
@never_cache
def login_challenge(request: HttpRequest) -> JsonResponse:
    """A fresh proof-of-work challenge for the sign-in widget."""
    return JsonResponse(challenge.create())


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site_name": settings.SITE_NAME}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever read the mail owns the account: earlier failures no longer lock it anywhere.
        login_guard.unlock(form.user.get_username(), form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
