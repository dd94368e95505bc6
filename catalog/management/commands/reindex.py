"""Rebuild the search index from the database: after restoring a backup, switching search
backends, changing the Elasticsearch mapping, or an outage long enough for index tasks to
give up. Safe to run while the site is up; running it twice does the same work twice."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from catalog.search import SearchUnavailable, get_backend, services


class Command(BaseCommand):
    help = "Index every published resource and remove from the index what should not be there."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Drop and recreate the index first (needed after a mapping change).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Resources per indexing request."
        )

    def handle(self, *args, rebuild: bool, batch_size: int, verbosity: int, **options) -> None:
        backend = get_backend()
        self.stdout.write(f"Indexing into {backend!r}{' (rebuilt)' if rebuild else ''}")
        started = time.monotonic()
        last_line = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last_line
            now = time.monotonic()
            # One line per second at most (and the last one), so logs stay readable.
            if verbosity and (done == total or now - last_line >= 1.0):
                last_line = now
                percent = 100 * done // total if total else 100
                rate = done / max(now - started, 1e-6)
                self.stdout.write(f"  {done}/{total} resources ({percent}%), {rate:.0f}/s")

        try:
            indexed, removed = services.reindex(
                rebuild=rebuild, batch_size=batch_size, progress=progress
            )
        except SearchUnavailable as exc:
            raise CommandError(f"Search is unavailable: {exc}") from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {indexed} resources, removed {removed} stale entries in {elapsed:.1f} s."
            )
        )
