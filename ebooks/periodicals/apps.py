from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodicalsConfig(AppConfig):
    name = "ebooks.periodicals"
    label = "periodicals"
    verbose_name = _("Periodicals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ebooks.periodicals import notify, workflow
        from ebooks.periodicals.models import Article
        from edu_portal.workflow.signals import transitioned

        workflow.register()
        transitioned.connect(
            notify.on_transition, sender=Article, dispatch_uid="periodicals-notify-authors"
        )
