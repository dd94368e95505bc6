from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "edu_portal.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from edu_portal.workdays import signals
        from edu_portal.workdays.models import CalendarYear, OfficialDay

        signals.connect()
        if not auditlog.contains(OfficialDay):
            auditlog.register(OfficialDay)
            auditlog.register(CalendarYear)
