"""``manage.py restore SOURCE``: a backup into the configured database and object store."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from edu_portal.operations.backup import cli
from edu_portal.operations.backup.manifest import BackupUnusable
from edu_portal.operations.backup.restore import RestoreRefused, restore
from edu_portal.storage import StorageError


class Command(BaseCommand):
    help = (
        "Restore a backup (default: the newest complete one in SOURCE) into the configured "
        "database and object store, which must be empty unless --force is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", metavar="SOURCE")
        parser.add_argument("--backup", metavar="NAME", help="default: the newest complete one")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a non-empty database and overwrite objects the backup holds",
        )
        cli.add_passphrase_option(parser)
        cli.add_unencrypted_option(parser)

    def handle(self, *args, **options) -> None:
        target = cli.source(options["source"])
        try:
            report = restore(
                target,
                options["backup"],
                cli.passphrase(options),
                force=options["force"],
                allow_unencrypted=options["allow_unencrypted"],
                stdout=self.stdout,
            )
        except (BackupUnusable, RestoreRefused) as exc:
            raise CommandError(str(exc)) from None
        except StorageError as exc:
            raise CommandError(f"The restore failed reading or writing objects: {exc}") from None
        for table, (expected, actual) in report.row_counts.items():
            mark = "ok" if expected == actual else "DIFFERS"
            self.stdout.write(f"  {table}: {expected} in the backup, {actual} restored  {mark}")
        for problem in report.problems:
            self.stderr.write(problem)
        summary = (
            f"restore of {report.name}: {report.objects_ok} objects ({report.bytes_ok} bytes), "
            f"{len(report.row_counts)} tables, {len(report.problems)} problem(s)"
        )
        if not report.ok:
            raise CommandError(summary)
        self.stdout.write(summary)
