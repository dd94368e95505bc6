"""The office's annual-report pages: the years, and a year's draft (tables, texts, entered
numbers, regenerate, publish, Excel)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edu_portal.disclosure import annual, annual_actions, annual_display
from edu_portal.disclosure.annual_models import ENTERED, SECTIONS, AnnualReport


class ReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = [name for name, _heading in SECTIONS] + [name for name, _r, _c in ENTERED]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name, _heading in SECTIONS}


def _report(request: HttpRequest, year: int) -> AnnualReport:
    annual_actions.check_handler(request.user)
    try:
        return annual_actions.report_for(year)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from exc


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    annual_actions.check_handler(request.user)
    this_year = timezone.localdate().year
    reports = {r.year: r for r in AnnualReport.objects.all()}
    years = sorted({*range(this_year - 4, this_year + 1), *reports}, reverse=True)
    rows = [{"year": y, "report": reports.get(y)} for y in years]
    return render(request, "disclosure/annual_index.html", {"rows": rows})


def _page(request, report, form, error="", status=200) -> HttpResponse:
    figures = report.figures
    context = {
        "report": report,
        "form": form,
        "error": error,
        "headings": dict(SECTIONS),
        "anomalies": annual.anomalies(report.year) if figures["identity_failures"] else [],
        "can_publish": report.year < timezone.localdate().year,
        **annual_display.context(figures, report.entered()),
    }
    return render(request, "disclosure/annual_report.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, year: int) -> HttpResponse:
    report = _report(request, year)
    if not report.figures:
        report = annual_actions.regenerate(request.user, year)
    form = ReportForm(request.POST or None, instance=AnnualReport.objects.get(pk=report.pk))
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, report, form, status=400)
        annual_actions.save(request.user, report, form.cleaned_data)
        return redirect("disclosure:annual", year)
    return _page(request, report, form)


@login_required
@require_POST
def regenerate(request: HttpRequest, year: int) -> HttpResponse:
    _report(request, year)
    annual_actions.regenerate(request.user, year)
    return redirect("disclosure:annual", year)


@login_required
@require_POST
def publish(request: HttpRequest, year: int) -> HttpResponse:
    _report(request, year)
    try:
        annual_actions.publish(request.user, year)
    except ValidationError as exc:
        report = AnnualReport.objects.get(year=year)
        if not report.figures:
            report = annual_actions.regenerate(request.user, year)
        return _page(request, report, ReportForm(instance=report), " ".join(exc.messages), 400)
    return redirect("disclosure:annual", year)
