"""``manage.py verify_backup SOURCE``: read a whole backup back, restoring nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from edu_portal.operations.backup import cli
from edu_portal.operations.backup.manifest import BackupUnusable
from edu_portal.operations.backup.restore import verify
from edu_portal.storage import StorageError


class Command(BaseCommand):
    help = "Check every file of a backup against its manifest (exit 1 naming each bad one)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", metavar="SOURCE")
        parser.add_argument("--backup", metavar="NAME", help="default: the newest complete one")
        cli.add_passphrase_option(parser)
        cli.add_unencrypted_option(parser)

    def handle(self, *args, **options) -> None:
        target = cli.source(options["source"])
        try:
            report = verify(
                target,
                options["backup"],
                cli.passphrase(options),
                allow_unencrypted=options["allow_unencrypted"],
            )
        except BackupUnusable as exc:
            raise CommandError(str(exc)) from None
        except StorageError as exc:
            raise CommandError(f"Cannot read the backup in {target.display}: {exc}") from None
        for problem in report.problems:
            self.stderr.write(problem)
        summary = (
            f"backup {report.name}: {report.objects_ok} objects ({report.bytes_ok} bytes) "
            f"verified, {len(report.problems)} problem(s)"
        )
        if not report.ok:
            raise CommandError(summary)
        self.stdout.write(summary)
