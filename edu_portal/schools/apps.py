from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "edu_portal.schools"
    label = "schools"
    verbose_name = _("School administration")
    default_auto_field = "django.db.models.BigAutoField"
