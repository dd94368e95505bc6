from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "edu_portal.schools"
    label = "schools"
    verbose_name = _("School administration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from edu_portal.accounts.models import GuardianLink, StudentProfile

        # Audited like the accounts they belong to: links and student numbers are personal
        # data of children.
        if not auditlog.contains(GuardianLink):
            auditlog.register(GuardianLink)
            auditlog.register(StudentProfile)
