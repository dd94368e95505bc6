from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "edu_portal.messaging"
    label = "messaging"
    verbose_name = _("Home-school notices")
    default_auto_field = "django.db.models.BigAutoField"
