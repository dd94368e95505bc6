from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "edu_portal.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # The site's own `check --deploy` checks (intranet wall, proxies, HTTPS, links).
        from edu_portal import checks  # noqa: F401
