from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "edu_portal.disclosure"
    label = "disclosure"
    verbose_name = _("Disclosure on application")
