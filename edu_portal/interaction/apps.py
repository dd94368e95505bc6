from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionConfig(AppConfig):
    name = "edu_portal.interaction"
    label = "interaction"
    verbose_name = _("Letters and answers")
