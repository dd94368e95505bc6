"""The administrators' "Backups and integrity" page (``operations:dashboard``) and its two
buttons. Thin: the figures come from ``operations.dashboard``, and so do the refusals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from edu_portal.access import AccessDenied
from edu_portal.accounts.permissions import is_bureau_admin
from edu_portal.operations import dashboard as board


def _administrators_only(request: HttpRequest) -> None:
    if not is_bureau_admin(request.user):
        raise AccessDenied(
            "operations_administrators_only",
            _("Only the bureau's administrators see the backups and integrity checks."),
            _("Ask the bureau's administrator if you need to know whether a backup ran."),
        )


@never_cache
@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    _administrators_only(request)
    return render(
        request,
        "operations/dashboard.html",
        {"backup": board.backup_status(), "integrity": board.integrity_status()},
    )


def _run(request: HttpRequest, action, started: str) -> HttpResponse:
    _administrators_only(request)
    try:
        action()
    except board.Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, started)
    return redirect("operations:dashboard")


@login_required
@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    return _run(
        request,
        board.request_backup,
        _("The backup has been started. Reload this page in a few minutes to see its result."),
    )


@login_required
@require_POST
def integrity_now(request: HttpRequest) -> HttpResponse:
    return _run(
        request,
        board.request_integrity_check,
        _(
            "The integrity check has been started. Reload this page in a few minutes to "
            "see its findings."
        ),
    )
