"""What the three management commands share: options and turning failures into sentences."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from edu_portal.operations.backup.engine import get_target
from edu_portal.operations.backup.target import Target, TargetError


def add_passphrase_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        metavar="PATH",
        help="Read the encryption passphrase from this file (default: BACKUP_ENCRYPTION_KEY). "
        "A file, not an argument, so that the passphrase never shows in the process list.",
    )


def add_unencrypted_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--allow-unencrypted",
        action="store_true",
        help="Accept an unencrypted backup although a passphrase is set. Only an encrypted "
        "backup proves it was made with the passphrase; an unencrypted one in the same "
        "target could have been put there by anyone able to write to it.",
    )


def passphrase(options: dict) -> str:
    path = options.get("passphrase_file")
    if not path:
        return settings.BACKUP_ENCRYPTION_KEY
    try:
        value = Path(path).read_text().strip()
    except OSError as exc:
        raise CommandError(f"Cannot read the passphrase file {path}: {exc.strerror}.") from None
    if not value:
        raise CommandError(f"The passphrase file {path} is empty.")
    return value


def source(spec: str) -> Target:
    try:
        target = get_target(spec)
        if target.directory is not None and not target.directory.is_dir():
            raise CommandError(f"There is no backup directory {target.directory}.")
        target.ping()
    except TargetError as exc:
        raise CommandError(str(exc)) from None
    return target
