"""``manage.py import_ebooks DIR``: bring a library of EPUB, PDF and TXT books into the
catalog (see ``ebooks.bulk``). Safe to interrupt and to run again: what is done is skipped
without being read, the rest continues."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importer import cli
from ebooks.bulk import FAILED, INTERRUPTED, WOULD_IMPORT, ImportAbort, import_ebooks
from edu_portal.access import Visibility
from edu_portal.workflow.models import State


class Command(BaseCommand):
    help = (
        "Import a library of e-books (EPUB 2 and 3, PDF, plain text): walks DIR, parses and "
        "hashes the books in parallel, imports each book once (a copy with the same SHA-256 "
        "is reported as a duplicate), maps folder names to stage, grade, subject and "
        "edition, and writes a CSV report saying what could not be imported and why. Run "
        "it again to resume after an interruption: unchanged files are not read again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", help="the folder to import")
        parser.add_argument("--owner", help="username of the uploader of record (required)")
        parser.add_argument("--collection", help="source collection (slug), e.g. local")
        parser.add_argument("--visibility", choices=Visibility.values, default=Visibility.INTRANET)
        parser.add_argument(
            "--state",
            choices=[State.DRAFT, State.PUBLISHED],
            default=State.PUBLISHED,
            help="published (default) or draft (goes through review)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="parallel parsers (default: the number of CPUs)",
        )
        parser.add_argument(
            "--pool",
            choices=["process", "thread"],
            default="process",
            help="parse in worker processes (default: parsing is CPU-bound) or threads "
            "(no start-up cost, for a few books)",
        )
        parser.add_argument(
            "--mapping", help="TOML or JSON file mapping folders and paths to the taxonomy"
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="read again the unchanged files that were malformed last time",
        )
        parser.add_argument(
            "--report", help="CSV report path (default: ebook-import-report-<time>.csv here)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be imported; change nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        owner = cli.owner_from_options(options)
        cli.check_workers(options)
        report = cli.report_name(options, "ebook-import-report")
        bar = cli.progress_bar(options)
        try:
            result = import_ebooks(
                options["dir"],
                owner=owner,
                dry_run=dry_run,
                workers=options["workers"],
                pool=options["pool"],
                collection=options["collection"],
                visibility=options["visibility"],
                state=options["state"],
                mapping=options["mapping"],
                retry_failed=options["retry_failed"],
                progress=bar,
                keep_rows=options["verbosity"] > 1 or (dry_run and options["verbosity"] > 0),
                report_path=Path(report),
            )
        except ImportAbort as error:
            raise CommandError(str(error)) from error
        for row in result.rows:  # only kept with --dry-run or -v 2
            if row.status == WOULD_IMPORT:
                self.stdout.write(f"would import  {row.path}  →  {row.reason}")
            elif row.status in (FAILED, INTERRUPTED) and options["verbosity"] > 1:
                self.stderr.write(f"{row.status}  {row.path}: {row.reason}")
        self.stdout.write(f"import_ebooks: {result.summary()}")
        self.stdout.write(f"report: {result.report_path}")
        if result.interrupted:
            raise CommandError(
                "interrupted: the books finished so far are imported; run the same command "
                "again to continue",
                returncode=130,
            )
