"""Send people whose password was handed out by an administrator to the password page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from edu_portal.accounts.drf import password_change_required_body
from edu_portal.accounts.models import User

# Paths a flagged account may still reach: the password pages, signing out, the language
# switch, and machine doors (e-reader catalogue, static files) that show no page.
_OPEN_PREFIXES = ("/opds/", "/i18n/", "/healthz", "/readyz")


class MustChangePasswordMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return self.get_response(request)
        change_url = reverse("password_change")
        open_paths = {change_url, reverse("password_change_done"), reverse("logout")}
        path = request.path
        if path.startswith("/api/"):
            # A signed-in session must not use the API around the page either (token and
            # OPDS clients never get this far: the token API refuses such an account).
            return JsonResponse(password_change_required_body(), status=403)
        if path in open_paths or path.startswith(
            (*_OPEN_PREFIXES, settings.STATIC_URL or "/static/")
        ):
            response = self.get_response(request)
            if path == change_url and request.method == "POST" and response.status_code == 302:
                # The form accepted the new password: the person has chosen their own.
                User.objects.filter(pk=user.pk).update(must_change_password=False)
            return response
        messages.info(
            request,
            _("Your password was given to you by your school. Please choose your own now."),
        )
        return redirect(change_url)
