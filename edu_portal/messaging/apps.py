from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "edu_portal.messaging"
    label = "messaging"
    verbose_name = _("Home-school notices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from edu_portal.messaging.models import Notice, NoticeAttachment

        # What senders write and attach is audited; deliveries and receipts are not (their
        # rows are the record, and they number in the hundred thousands).
        if not auditlog.contains(Notice):
            auditlog.register(Notice, exclude_fields=["updated_at", "totals"])
            auditlog.register(NoticeAttachment)
