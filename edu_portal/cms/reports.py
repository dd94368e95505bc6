"""The office's two reports in the Wagtail admin: the inspection self-check and the visit
statistics. Routed by ``admin_hooks/reports.py`` under /cms/reports/portal/ (URL names
``cms_reports:inspection`` and ``cms_reports:visits``)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edu_portal.accounts.models import RoleAssignment
from edu_portal.accounts.permissions import is_bureau_admin
from edu_portal.accounts.roles import Role
from edu_portal.cms import inspection, visits

MAX_PERIOD_DAYS = 366


def may_see_reports(user) -> bool:
    """The office (office reviewers) and the bureau's administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_bureau_admin(user) or (
        RoleAssignment.objects.filter(user=user, role=Role.OFFICE_REVIEWER).exists()
    )


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """The admin's way of refusing: back to its dashboard, with the reason on top."""
    if may_see_reports(request.user):
        return None
    messages.error(
        request,
        _(
            "Only the office and the bureau's administrators see the portal's reports. "
            "Ask the office if you need these figures."
        ),
    )
    return redirect("wagtailadmin_home")


def inspection_report(request: HttpRequest) -> HttpResponse:
    if refusal := _refusal(request):
        return refusal
    report = inspection.run()
    return render(
        request,
        "cms/admin/reports/inspection.html",
        {"page_title": _("Site inspection"), "header_icon": "warning", "report": report},
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The first day must not be after the last."))
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
                )
        return data


def visits_report(request: HttpRequest) -> HttpResponse:
    if refusal := _refusal(request):
        return refusal
    visits.flush()  # today's figures include the visits still in the buffer
    today = timezone.localdate()
    initial = {"start": today - datetime.timedelta(days=29), "end": today}
    form = PeriodForm(request.GET or initial)
    context = {"page_title": _("Page visits"), "header_icon": "view", "form": form}
    status = 200
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        context |= {
            "start": start,
            "end": end,
            "total": visits.total(start, end),
            "top_pages": visits.top_pages(start, end),
            "columns": visits.column_totals(start, end),
        }
    else:
        status = 400
    return render(request, "cms/admin/reports/visits.html", context, status=status)
