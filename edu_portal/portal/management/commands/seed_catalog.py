"""Demo content for `make run`: the catalog (catalog/demo.py), an e-book and the
periodicals (ebooks/demo.py). Safe to run again. It lives in the site shell because it
seeds several apps at once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog import demo
from ebooks import demo as ebook_demo
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.cms import demo as portal_demo
from edu_portal.messaging import demo as notice_demo


class Command(BaseCommand):
    help = "Create a demo textbook tree and a few published resources with real files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", default="teacher", help="Uploader of record.")
        parser.add_argument("--no-video", action="store_true", help="Skip the demo video.")

    def handle(self, *args, owner: str, no_video: bool, **options) -> None:
        user = User.objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"No user {owner!r}; run `manage.py seed_demo` first.")
        created = demo.seed(user, with_video=not no_video)
        self.stdout.write(f"Demo catalog: {len(created)} resources created.")
        for resource in created:
            self.stdout.write(f"  /resources/{resource.pk}/  {resource.title}")
        self._review(user)
        self._ebooks(user)
        self._notices()
        self._portal()
        self._portal_sections()
        self._portal_footer()

    def _review(self, teacher: User) -> None:
        """Uploads in review for every reviewer role (see catalog.demo.seed_review)."""
        editor = User.objects.filter(username="dept_editor").first()
        office = OrgUnit.objects.filter(code="demo-office").first()
        waiting = demo.seed_review(teacher, editor, office)
        if waiting:
            self.stdout.write(f"Demo uploads waiting for review: {len(waiting)} (/review/)")

    def _ebooks(self, teacher: User) -> None:
        """A demo e-book, and the periodicals with an issue reviewed by the office."""
        if ebook_demo.seed_ebook(teacher):
            self.stdout.write("Demo e-book added: /ebooks/")
        editor = User.objects.filter(username="office_reviewer").first()
        unit = OrgUnit.objects.filter(code="demo-office").first()
        if editor is not None and unit is not None:
            issues = ebook_demo.seed_periodicals(teacher, editor, unit)
            if issues:
                self.stdout.write("Demo periodicals with a published issue: /periodicals/")

    def _notices(self) -> None:
        """Two classes with guardians and a permission slip sent to them (messaging.demo)."""
        if not OrgUnit.objects.filter(code=notice_demo.SCHOOL).exists():
            return
        result = notice_demo.seed()
        if result["accounts"]:
            self.stdout.write(
                f"Demo pupils and guardians: {result['accounts']} accounts (sign-in sheets: "
                "/school-admin/)"
            )
        if result["notice"] is not None:
            self.stdout.write(
                f"Demo notice sent to {result['recipients']} guardians: "
                f"/notices/sent/ (teacher), /notices/ (guardian)"
            )

    def _portal_sections(self) -> None:
        """Department pages, service guides and the demo schools' sites (cms.demo_schools)."""
        from edu_portal.cms import demo_schools

        made = demo_schools.seed()
        if any(made.values()):
            self.stdout.write(
                "Portal: {departments} department pages, {guides} service guides, "
                "{school_sites} school sites with {school_items} items "
                "(/departments/, /services/guides/, /schools/)".format(**made)
            )

    def _portal(self) -> None:
        """The public portal's columns with news, notices and bureau documents (cms.demo)."""
        created = portal_demo.seed()
        if created:
            self.stdout.write(f"Demo portal: {len(created)} articles published: / and /disclosure/")

    def _portal_footer(self) -> None:
        """The footer's 主办单位, records and site code for the default site (cms.footer)."""
        from edu_portal.cms import footer

        if footer.seed_demo_settings():
            self.stdout.write("Demo portal footer: organiser, address, ICP and site code filled.")
