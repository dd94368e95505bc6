"""局长信箱, consultations, suggestions and complaints, and 热点问答."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionConfig(AppConfig):
    name = "edu_portal.interaction"
    label = "interaction"
    verbose_name = _("Letters and answers")

    def ready(self) -> None:
        from edu_portal.interaction import portal
        from edu_portal.workdays.signals import calendar_changed

        portal.connect()
        portal.offer_in_columns()
        calendar_changed.connect(_calendar_changed, dispatch_uid="interaction.calendar_changed")


def _calendar_changed(sender, years=None, **kwargs) -> None:
    from edu_portal.interaction.actions import recompute_open

    recompute_open(years)
