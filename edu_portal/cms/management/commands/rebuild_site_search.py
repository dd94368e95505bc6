"""Index everything the site search should find, and drop what it should not (idempotent).

manage.py rebuild_site_search [--type article --type resource …] [--clear]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from edu_portal.cms.search import SearchUnavailable, services, types


class Command(BaseCommand):
    help = "Rebuild the site search index (pages, resources, e-books and registered types)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--type",
            action="append",
            dest="types",
            help="Only this type (repeatable); default: every registered type.",
        )
        parser.add_argument(
            "--clear", action="store_true", help="Empty the whole index first (a new mapping)."
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        chosen = options["types"]
        known = {t.name for t in types()}
        unknown = sorted(set(chosen or ()) - known)
        if unknown:
            raise CommandError(
                f"Unknown type {', '.join(unknown)}; known types: {', '.join(sorted(known))}."
            )
        if options["clear"] and chosen:
            raise CommandError("--clear empties every type; run it without --type.")
        try:
            done = services.rebuild(
                types=chosen, clear=options["clear"], batch_size=options["batch_size"]
            )
        except SearchUnavailable as exc:
            raise CommandError(f"The search engine is not available: {exc}") from exc
        for name, (indexed, removed) in done.items():
            self.stdout.write(f"{name}: {indexed} indexed, {removed} removed")
