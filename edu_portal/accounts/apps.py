from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "edu_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisation")

    def ready(self) -> None:
        from edu_portal.accounts import audit, signals  # noqa: F401  (connect receivers)

        audit.register_models()
