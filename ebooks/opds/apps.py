import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Loggers that write request lines or paths: the development server's, Django's request
# log, and gunicorn's access and error logs (their records pass through these loggers even
# though gunicorn sets up their handlers itself).
REDACTED_LOGGERS = ("django.server", "django.request", "gunicorn.access", "gunicorn.error")


class OpdsConfig(AppConfig):
    name = "ebooks.opds"
    label = "opds"
    verbose_name = _("E-book catalog (OPDS)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A reader app that can only be given a URL carries its catalog key in the query:
        # mask it in every log line written in this process. Logger filters see the records
        # logged on those loggers; the root's handlers see everything propagated to them.
        from ebooks.opds.logs import RedactCatalogKeys

        redact = RedactCatalogKeys()
        for name in REDACTED_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, RedactCatalogKeys) for f in logger.filters):
                logger.addFilter(redact)
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactCatalogKeys) for f in handler.filters):
                handler.addFilter(redact)
