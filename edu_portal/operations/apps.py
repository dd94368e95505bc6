from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Backups, restore, the integrity ledger and the platform's metrics (issue 16)."""

    name = "edu_portal.operations"
    label = "operations"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # In every process, Celery workers included: they count their tasks' outcomes
        # into the store that /metrics reads (metrics/task_outcomes.py).
        from edu_portal.operations.metrics import task_outcomes

        task_outcomes.connect_signals()
        # The integrity ledger records the platform's own changes (publications, stored
        # objects) as they happen; its beat task lives outside tasks.py, so it is imported
        # here for the workers to know it.
        from edu_portal.operations import integrity_tasks  # noqa: F401
        from edu_portal.operations.ledger import recording

        recording.connect()
