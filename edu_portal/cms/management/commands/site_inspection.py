"""``manage.py site_inspection [--json]``: the inspection self-check (an interface outside
tools use: exit 0 when no single-veto rule fails, 1 when one does)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from edu_portal.cms import inspection


class Command(BaseCommand):
    help = "Check the portal against the inspection's single-veto rules."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options) -> None:
        report = inspection.run()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(report)
        if report.failed:
            raise SystemExit(1)

    def _print(self, report: inspection.Report) -> None:
        for finding in report.findings:
            mark = "FAIL" if finding.failed else "ok"
            veto = " (single veto)" if finding.veto else ""
            self.stdout.write(f"[{mark}] {finding.title}{veto}: {finding.summary}")
            for item in [*finding.columns, *finding.items]:
                date = f" {item.date}" if item.date else ""
                self.stdout.write(f"    {item.title}{date}  {item.url}  {item.admin_url}")
        verdict = "FAILED" if report.failed else "passed"
        self.stdout.write(f"Site inspection {verdict} ({report.site}, {report.checked_at}).")
