"""``manage.py sync_department_pages``: one 机关处室 page per department of the org tree."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from edu_portal.cms import departments


class Command(BaseCommand):
    help = "Create, retitle or take offline the department pages to match the org tree."

    def handle(self, *args, **options) -> None:
        if departments.department_index() is None:
            self.stderr.write(_("The page tree has no department list (机关处室); nothing to do."))
            return
        report = departments.sync_all()
        self.stdout.write(
            _(
                "Department pages: %(created)d created, %(renamed)d renamed, "
                "%(offline)d taken offline."
            )
            % {
                "created": len(report.created),
                "renamed": len(report.renamed),
                "offline": len(report.offline),
            }
        )
