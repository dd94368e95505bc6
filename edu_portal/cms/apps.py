from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "edu_portal.cms"
    label = "cms"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from edu_portal.cms import preview_tasks, richtext  # noqa: F401

        # Every rich-text field of a cms page is cleaned before it is written (row or revision).
        richtext.connect()
