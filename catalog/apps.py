from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Resource catalog")

    def ready(self) -> None:
        from catalog.search import signals
        from catalog.workflow import register

        register()
        signals.connect()
