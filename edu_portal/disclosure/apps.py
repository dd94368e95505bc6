"""依申请公开: applications for government information, their statutory clock, handling,
the register and the annual report."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "edu_portal.disclosure"
    label = "disclosure"
    verbose_name = _("Disclosure on application")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from edu_portal.disclosure import receivers
        from edu_portal.disclosure.models import Application, ClockEvent

        receivers.connect()
        _offer_in_the_portal()
        if not auditlog.contains(Application):
            auditlog.register(Application, exclude_fields=["updated_at", "due_steps"])
            auditlog.register(ClockEvent)
        from edu_portal.disclosure.models import Draft, FeeNotice, ReplyLetter, ReviewCase

        for model in (Draft, FeeNotice, ReplyLetter, ReviewCase):
            if not auditlog.contains(model):
                auditlog.register(model)


def _offer_in_the_portal() -> None:
    """The portal's 依申请公开 column (slug ``on-request``) offers the form and the look-up."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from edu_portal.cms import column_links

    def links() -> list[column_links.ColumnLink]:
        return [
            column_links.ColumnLink(
                _("Apply for information online"), reverse("disclosure:apply"), True
            ),
            column_links.ColumnLink(_("Look up an application"), reverse("disclosure:lookup")),
        ]

    column_links.register(lambda column: column.slug == "on-request", links)
