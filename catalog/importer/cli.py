"""What the bulk import commands (`import_resources`, `import_ebooks`) share: the uploader
of record, the default report name and a progress bar on a terminal."""

from __future__ import annotations

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone

from catalog.importer import Progress


def owner_from_options(options: dict):
    """The active user named by ``--owner``; required unless ``--dry-run``."""
    if options["owner"]:
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None or not owner.is_active:
            raise CommandError(f"no active user named {options['owner']!r}")
        return owner
    if not options["dry_run"]:
        raise CommandError("--owner USERNAME is required (the uploader of record)")
    return None


def check_workers(options: dict) -> None:
    if options["workers"] < 1:
        raise CommandError("--workers must be at least 1")


def report_name(options: dict, prefix: str) -> str:
    return options["report"] or f"{prefix}-{timezone.localtime():%Y%m%d-%H%M%S}.csv"


def progress_bar(options: dict) -> Bar:
    show = not options["no_progress"] and options["verbosity"] > 0
    return Bar(sys.stderr, enabled=show and sys.stderr.isatty())


class Bar(Progress):
    """A one-line progress bar on stderr (only when it is a terminal)."""

    WIDTH = 30

    def __init__(self, stream, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.total = self.done = self.bytes = 0
        self.started = self.shown = 0.0

    def start(self, total: int) -> None:
        self.total, self.started = total, time.perf_counter()
        self._draw(force=True)

    def advance(self, size: int) -> None:
        self.done += 1
        self.bytes += size
        self._draw()

    def close(self) -> None:
        self._draw(force=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not force and now - self.shown < 0.2):
            return
        self.shown = now
        fraction = self.done / self.total if self.total else 1.0
        filled = int(fraction * self.WIDTH)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} "
            f"{fraction:4.0%}  {rate:6.1f} files/s  {self.bytes / 1e6:8.1f} MB  "
            f"left {int(left) // 60}:{int(left) % 60:02d} "
        )
        self.stream.flush()
