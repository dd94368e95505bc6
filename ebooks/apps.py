from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbooksConfig(AppConfig):
    name = "ebooks"
    verbose_name = _("E-books")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ebooks import kinds

        kinds.register()
