from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Resource catalog")

    def ready(self) -> None:
        from catalog import notify
        from catalog.models import Resource
        from catalog.search import signals
        from catalog.workflow import register
        from edu_portal.workflow.signals import transitioned

        register()
        signals.connect()
        transitioned.connect(
            notify.on_transition, sender=Resource, dispatch_uid="catalog-notify-resources"
        )
