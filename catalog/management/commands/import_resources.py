"""``manage.py import_resources DIR``: bring an existing archive of teaching files into the
catalog (see ``catalog.importer``). Safe to interrupt and to run again: what is done is
skipped, the rest continues."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importer import WOULD_IMPORT, ImportAbort, cli, run_import
from edu_portal.access import Visibility
from edu_portal.workflow.models import State


class Command(BaseCommand):
    help = (
        "Import an existing archive of teaching files: walks DIR, maps folder names to stage, "
        "grade, subject, edition, collection and unit (or as a --mapping file says), checks "
        "and hashes files in parallel, stores identical files once, and writes a CSV report "
        "of what could not be imported and why. Run it again to resume after an interruption."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", help="the folder to import")
        parser.add_argument(
            "--mapping", help="TOML or JSON file mapping folders and paths to the taxonomy"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be imported; change nothing"
        )
        parser.add_argument(
            "--no-hash",
            action="store_true",
            help="with --dry-run: do not read whole files (duplicates are then not found)",
        )
        parser.add_argument("--owner", help="username of the uploader of record (required)")
        parser.add_argument("--collection", help="default source collection (slug), e.g. local")
        parser.add_argument("--visibility", choices=Visibility.values, default=Visibility.INTRANET)
        parser.add_argument(
            "--state",
            choices=[State.DRAFT, State.PUBLISHED],
            default=State.PUBLISHED,
            help="published (default: an administrator's import is published at once) or "
            "draft (goes through review)",
        )
        parser.add_argument("--workers", type=int, default=4, help="parallel hashing threads")
        parser.add_argument(
            "--report", help="CSV report path (default: import-report-<time>.csv here)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        owner = cli.owner_from_options(options)
        cli.check_workers(options)
        report = cli.report_name(options, "import-report")
        bar = cli.progress_bar(options)
        try:
            result = run_import(
                options["dir"],
                owner=owner,
                dry_run=dry_run,
                mapping=options["mapping"],
                workers=options["workers"],
                collection=options["collection"],
                visibility=options["visibility"],
                state=options["state"],
                hash_in_dry_run=not options["no_hash"],
                progress=bar,
                report_path=Path(report),
            )
        except ImportAbort as error:
            raise CommandError(str(error)) from error
        if dry_run and options["verbosity"] > 0:
            for row in result.rows:
                if row.status == WOULD_IMPORT:
                    self.stdout.write(f"would import  {row.path}  →  {row.reason}")
        problems = [row for row in result.rows if row.status in ("failed", "not_done")]
        if problems and options["verbosity"] > 1:
            for row in problems:
                self.stderr.write(f"{row.status}  {row.path}: {row.reason}")
        self.stdout.write(f"import_resources: {result.summary()}")
        self.stdout.write(f"report: {result.report_path}")
        if result.interrupted:
            raise CommandError(
                "interrupted: the files finished so far are imported; run the same command "
                "again to continue",
                returncode=130,
            )
