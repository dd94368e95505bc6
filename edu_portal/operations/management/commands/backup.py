"""``manage.py backup [--to TARGET]``: the database, then the objects, into TARGET."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from edu_portal.operations.backup import cli
from edu_portal.operations.backup.engine import BackupFailed, run_backup


class Command(BaseCommand):
    help = (
        "Back up the database and the object store into TARGET: a directory or "
        "s3://ACCESS:SECRET@host:port/bucket/prefix (default BACKUP_TARGET)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to", dest="target", metavar="TARGET", default=None)
        cli.add_passphrase_option(parser)

    def handle(self, *args, **options) -> None:
        try:
            run = run_backup(
                options["target"], passphrase=cli.passphrase(options), stdout=self.stdout
            )
        except BackupFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"backup {run.name} complete in {run.target}: {run.objects_total} objects "
            f"({run.objects_copied} new), {run.bytes_total} bytes, {run.duration_seconds:.1f} s, "
            f"{run.pruned} old backup(s) removed"
        )
