"""``manage.py import_roster FILE --school CODE``: a class roster from the command line,
in the school console's format (CSV or .xlsx; columns 年级, 班级, 学号, 学生姓名, 监护人姓名,
关系, 手机号, optional 邮箱), through the console's own reader, checks and action.

- All or nothing, like the console: when any row is rejected nothing is imported, the
  rejected rows go to a CSV report (row, column, message; next to FILE as
  ``<name>.rejected.csv``, or ``--report PATH``) and the exit code is 1. A file that cannot
  be read at all, an unknown school or class code exit with 2.
- Idempotent: running it again with the same file changes nothing (the summary then shows
  only unchanged rows and existing accounts).
- The actor is the platform (``SYSTEM``): the audit log records the changes without a
  person as their actor, as for ``seed_demo``.
- New accounts get random initial passwords, to be changed at first sign-in. They are never
  printed (terminals and CI logs are kept); with ``--passwords PATH`` they are written to a
  CSV readable by the file's owner only (mode 0600). Without it nobody knows them: print
  sign-in sheets in the school console (new password), as after a forgotten password.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit
from edu_portal.schools import actions, roster

REPORT_HEADER = ("row", "column", "message")
# Exit codes: rows rejected (a report was written), the input unusable.
REJECTED = 1
UNUSABLE = 2


class Command(BaseCommand):
    help = "Import a class roster (CSV or .xlsx in the school console's format) into a school."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the roster, .csv (UTF-8 or GBK) or .xlsx")
        parser.add_argument("--school", required=True, help="the school's org unit code")
        parser.add_argument(
            "--class",
            dest="klass",
            default="",
            help="code of the class for rows that leave 年级 and 班级 empty",
        )
        parser.add_argument(
            "--report",
            default="",
            help="where to write the rejected rows (default: <file>.rejected.csv beside it)",
        )
        parser.add_argument(
            "--passwords",
            default="",
            help="write the new accounts' initial passwords to this CSV (mode 0600)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and summarise, change nothing"
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        school = self._school(options["school"])
        default_class = self._class(school, options["klass"]) if options["klass"] else None
        passwords = Path(options["passwords"]) if options["passwords"] else None
        if passwords is not None and not os.access(passwords.parent or Path("."), os.W_OK):
            raise CommandError(
                _("Cannot write the passwords file in %(dir)s.") % {"dir": passwords.parent},
                returncode=UNUSABLE,
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror},
                returncode=UNUSABLE,
            ) from exc
        try:
            rows = roster.read_roster(path.name, data)
        except roster.RosterFileError as exc:
            raise CommandError(str(exc), returncode=UNUSABLE) from exc

        report = Path(options["report"]) if options["report"] else _default_report(path)
        if options["dry_run"]:
            plan = roster.plan_import(school, rows, default_class)
            if plan.errors:
                self._reject(plan, report)
            self._summary(plan)
            self.stdout.write(_("Dry run: nothing was changed."))
            return
        try:
            result = actions.import_roster(SYSTEM, school, rows, default_class)
        except actions.RosterErrors as exc:
            self._reject(exc.plan, report)
        self._summary(result.plan)
        if not result.plan.has_changes:
            self.stdout.write(_("Nothing to change: the school already matches the file."))
        if passwords is not None:
            _write_passwords(passwords, result.credentials)
            self.stdout.write(
                _("Initial passwords of %(count)d new accounts written to %(file)s.")
                % {"count": len(result.credentials), "file": passwords}
            )
        elif result.credentials:
            self.stdout.write(
                _(
                    "%(count)d new accounts have random initial passwords that were not kept: "
                    "print their sign-in sheets in the school console (New password)."
                )
                % {"count": len(result.credentials)}
            )

    def _school(self, code: str) -> OrgUnit:
        school = OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL, code=code).first()
        if school is None:
            raise CommandError(
                _("No school has the code “%(code)s”. Schools: %(codes)s")
                % {
                    "code": code,
                    "codes": ", ".join(
                        OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL)
                        .order_by("code")
                        .values_list("code", flat=True)[:50]
                    )
                    or "—",
                },
                returncode=UNUSABLE,
            )
        return school

    def _class(self, school: OrgUnit, code: str) -> OrgUnit:
        unit = OrgUnit.objects.filter(
            kind=OrgUnit.Kind.CLASS, code=code, path__startswith=school.path
        ).first()
        if unit is None:
            raise CommandError(
                _("%(school)s has no class with the code “%(code)s”.")
                % {"school": school, "code": code},
                returncode=UNUSABLE,
            )
        return unit

    def _reject(self, plan: roster.Plan, report: Path) -> None:
        try:
            _write_report(report, plan.errors)
        except OSError as exc:
            raise CommandError(
                _("Cannot write the report %(file)s: %(error)s")
                % {"file": report, "error": exc.strerror},
                returncode=UNUSABLE,
            ) from exc
        raise CommandError(
            _(
                "%(count)d problems in the roster; nothing was imported. The rejected rows are "
                "listed in %(file)s."
            )
            % {"count": len(plan.errors), "file": report},
            returncode=REJECTED,
        )

    def _summary(self, plan: roster.Plan) -> None:
        counts = plan.summary
        self.stdout.write(
            _("Students: %(create)d created, %(update)d updated, %(unchanged)d unchanged")
            % {
                "create": counts["students_create"],
                "update": counts["students_update"],
                "unchanged": counts["students_unchanged"],
            }
        )
        self.stdout.write(
            _("Guardians: %(create)d created, %(update)d updated, %(existing)d unchanged")
            % {
                "create": counts["guardians_create"],
                "update": counts["guardians_update"],
                "existing": counts["guardians_existing"],
            }
        )
        self.stdout.write(
            _("Guardian links: %(create)d linked, %(update)d updated, %(unchanged)d unchanged")
            % {
                "create": counts["links_create"],
                "update": counts["links_update"],
                "unchanged": counts["links_unchanged"],
            }
        )


def _default_report(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


def _write_report(report: Path, errors: list[roster.RowError]) -> None:
    # UTF-8 with a BOM: the people who fix the roster open the report in Excel, which
    # reads a BOM-less CSV as GBK and garbles the Chinese.
    with report.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_HEADER)
        for error in errors:
            writer.writerow((error.line or "", error.column, error.message))


def _write_passwords(path: Path, credentials: list[actions.Credential]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # An existing file keeps its mode through O_CREAT: narrow it before writing.
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((_("Account name"), _("Name"), _("Class"), _("Initial password")))
        for credential in credentials:
            user = credential.user
            writer.writerow(
                (user.username, user.display_name, user.org_unit or "", credential.password)
            )
