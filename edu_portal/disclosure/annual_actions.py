"""Actions on the annual report: regenerate the draft (numbers recomputed, texts kept), save
the office's texts and numbers, publish into the portal's 年度报告 column. Each checks
"disclosure.handle", changes, and writes an audit entry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from edu_portal.accounts import audit, permissions
from edu_portal.disclosure import annual
from edu_portal.disclosure.annual_models import ENTERED, SECTIONS, AnnualReport

HANDLE = "disclosure.handle"
COLUMN_TITLE = "年度报告"
REPORT_TITLE = "{name}{year}年政府信息公开工作年度报告"


def check_handler(user) -> None:
    if not permissions.has_perm(user, HANDLE):
        raise PermissionDenied(_("Only the disclosure office can prepare the annual report."))


def check_year(year: int) -> None:
    if not annual.FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError(
            _("There is no annual report for %(year)s.") % {"year": year}, code="bad_year"
        )


def report_for(year: int) -> AnnualReport:
    check_year(year)
    report, _created = AnnualReport.objects.get_or_create(year=year)
    return report


def regenerate(actor, year: int) -> AnnualReport:
    """Recompute the draft's figures; the texts and entered numbers stay as they are."""
    check_handler(actor)
    figures = annual.compute(year).as_json()
    with audit.actor_context(actor), transaction.atomic():
        report = report_for(year)
        report.figures = figures
        report.generated_at = timezone.now()
        report.save(update_fields=["figures", "generated_at", "updated_at"])
        audit.log_event(
            report,
            {
                "figures": [
                    "",
                    f"regenerated, identity failures: {len(figures['identity_failures'])}",
                ]
            },
        )
    return report


def save(actor, report: AnnualReport, data: dict) -> AnnualReport:
    """Store the section texts and Table 二's entered numbers from ``data`` (cleaned)."""
    check_handler(actor)
    names = [name for name, _heading in SECTIONS] + [name for name, _r, _c in ENTERED]
    with audit.actor_context(actor), transaction.atomic():
        locked = AnnualReport.objects.select_for_update().get(pk=report.pk)
        changes = {}
        for name in names:
            if name in data and getattr(locked, name) != data[name]:
                changes[name] = [str(getattr(locked, name)), str(data[name])]
                setattr(locked, name, data[name])
        if changes:
            locked.save()
            audit.log_event(locked, changes)
    return locked


# --- publishing --------------------------------------------------------------------------------


def bureau_name() -> str:
    """The bureau as the portal's settings name it (主办单位), else the top org unit."""
    from wagtail.models import Site

    from edu_portal.accounts.models import OrgUnit
    from edu_portal.cms.models.site_settings import PortalSettings

    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        host = PortalSettings.for_site(site).host_org.strip()
        if host:
            return host
    unit = OrgUnit.objects.filter(kind=OrgUnit.Kind.BUREAU, depth=1).order_by("pk").first()
    return unit.name if unit else ""


def report_column():
    """The portal's 年度报告 column (found by title; under 信息公开 when there are several)."""
    from edu_portal.cms.models import ColumnPage

    columns = list(ColumnPage.objects.filter(title=COLUMN_TITLE).order_by("path"))
    for column in columns:
        if any(a.title in ("信息公开", "政务公开") for a in column.get_ancestors()):
            return column
    return columns[0] if columns else None


def report_title(year: int) -> str:
    return REPORT_TITLE.format(name=bureau_name(), year=year)


def body_html(report: AnnualReport) -> str:
    """The sections as rich text (headings and paragraphs); the tables are shown from the
    published figures when the page is served (``annual_page``), since the portal's rich
    text has no tables."""
    parts = []
    for name, heading in SECTIONS:
        parts.append(f"<h2>{escape(heading)}</h2>")
        for line in getattr(report, name).splitlines():
            if line.strip():
                parts.append(f"<p>{escape(line.strip())}</p>")
    return "".join(parts)


def publish(actor, year: int, today: dt.date | None = None) -> AnnualReport:
    """Recompute, check, and publish the report as an article in the 年度报告 column
    (created the first time, a new revision afterwards), through Wagtail's publishing."""
    from edu_portal.cms.articles import slug_for
    from edu_portal.cms.models import ArticlePage

    check_handler(actor)
    today = today or timezone.localdate()
    if year >= today.year:
        raise ValidationError(
            _(
                "The year %(year)s is not over yet: its report can be published from "
                "1 January %(next)s."
            )
            % {"year": year, "next": year + 1},
            code="year_not_over",
        )
    report = regenerate(actor, year)
    failures = report.figures["identity_failures"]
    if failures:
        columns = ", ".join(f["column"] for f in failures)
        raise ValidationError(
            _(
                "Table 3 does not add up (new + carried over ≠ handled + carried forward) in: "
                "%(columns)s. Correct the applications listed on the report's page, then "
                "publish again."
            )
            % {"columns": columns},
            code="identity",
        )
    column = report_column()
    if column is None:
        raise ValidationError(
            _("The portal has no column “%(title)s” to publish the report in.")
            % {"title": COLUMN_TITLE},
            code="no_column",
        )
    title = report_title(year)
    with audit.actor_context(actor), transaction.atomic():
        report = AnnualReport.objects.select_for_update().get(pk=report.pk)
        page = report.page.specific if report.page_id else None
        if page is None:
            page = ArticlePage(
                title=title,
                slug=slug_for(column, title),
                owner=actor,
                live=False,
                category=column.default_category or "",
                keywords="年度报告 政府信息公开",
            )
            page.body = body_html(report)
            column.add_child(instance=page)
        else:
            page.title = title
            page.body = body_html(report)
        revision = page.save_revision(user=actor, log_action=True)
        # The office's right to publish its statutory report is "disclosure.handle",
        # checked above; the column's Wagtail permissions are for editors' articles.
        revision.publish(user=actor, log_action=True, skip_permission_checks=True)
        report.page = page
        report.published_figures = {**report.figures, "entered": _entered_json(report)}
        report.published_at = timezone.now()
        report.published_by = actor
        report.save()
        audit.log_event(report, {"published": ["", f"page {page.pk}: {title}"]})
    return report


def _entered_json(report: AnnualReport) -> dict:
    return {name: str(value) for name, value in report.entered().items()}
