"""``manage.py sync_cms_rights``: make the portal's Wagtail groups match the roles now."""

from django.core.management.base import BaseCommand

from edu_portal.accounts.audit import actor_context
from edu_portal.cms import review, rights


class Command(BaseCommand):
    help = (
        "Derive the portal's Wagtail groups and page permissions from the platform's roles, "
        "columns and school sites (idempotent; hand edits to those groups are overwritten)."
    )

    def handle(self, *args, **options):
        with actor_context(None):
            review.ensure_workflow()
            changed = rights.sync()
        self.stdout.write(f"{changed} group(s) changed.")
