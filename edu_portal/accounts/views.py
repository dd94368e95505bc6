"""Sign in and out of the portal (thin: the form and login_guard do the work)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from edu_portal.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    template_name = "registration/login.html"


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); goes to LOGOUT_REDIRECT_URL afterwards."""
