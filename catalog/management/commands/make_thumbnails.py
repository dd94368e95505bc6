"""Make the list thumbnails (first page) of resources whose PDF preview was built before
thumbnails existed. Safe to run again: resources that have one are skipped."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.previews import services, thumbnails


class Command(BaseCommand):
    help = "Make the first-page thumbnails of resources with a ready preview and none yet."

    def handle(self, *args, **options) -> None:
        made = failed = 0
        for resource_id in thumbnails.needs_thumbnail().values_list("pk", flat=True).iterator():
            if services.build_thumbnail(resource_id):
                made += 1
            else:
                failed += 1
        self.stdout.write(f"thumbnails made: {made}, not possible: {failed}")
