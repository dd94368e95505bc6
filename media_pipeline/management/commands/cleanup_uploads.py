"""``manage.py cleanup_uploads``: what the hourly Celery task does, on demand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from media_pipeline.uploads.cleanup import cleanup_expired_uploads


class Command(BaseCommand):
    help = (
        "Free the storage of unfinished uploads past their expiry (aborting S3 multipart "
        "uploads, deleting staging data), retry failed assemblies and sweep leftovers. "
        "Safe to run at any time, and more than once."
    )

    def handle(self, *args, **options) -> None:
        report = cleanup_expired_uploads()
        summary = ", ".join(f"{name} {count}" for name, count in report.as_dict().items())
        self.stdout.write(f"cleanup_uploads: {summary}")
