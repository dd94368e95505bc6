"""``manage.py sync_school_sites``: every school of the org tree has its portal site."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from edu_portal.cms import schools


class Command(BaseCommand):
    help = "Create the school sites (with news, notices and introduction) that are missing."

    def handle(self, *args, **options) -> None:
        if schools.school_index(create=False) is None and schools.departments.home_page() is None:
            self.stderr.write(_("The page tree has no home page; nothing to do."))
            return
        report = schools.sync_all()
        self.stdout.write(
            _("School sites: %(created)d created, %(renamed)d renamed.")
            % {"created": len(report.created), "renamed": len(report.renamed)}
        )
