from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "edu_portal.workflow"
    label = "workflow"
    verbose_name = _("Review workflow")
    default_auto_field = "django.db.models.BigAutoField"
