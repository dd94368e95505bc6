from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", **kwargs) -> None:
    """The approval workflow and the managed groups exist on every database, fresh or
    upgraded, without anyone typing them into the admin."""
    from edu_portal.cms import review, rights

    review.ensure_workflow()
    rights.sync()


class CmsConfig(AppConfig):
    name = "edu_portal.cms"
    label = "cms"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from edu_portal.cms import (  # noqa: F401 (tasks: registered with Celery by import)
            audit_hooks,
            preview_tasks,
            review,
            richtext,
            signals,
            tasks,
        )

        # Every rich-text field of a cms page is cleaned before it is written (row or revision).
        richtext.connect()

        audit_hooks.connect()
        signals.connect()
        # Only the office changes who writes in a column (and a school site's settings):
        # the editor's form and every write of those pages (part K).
        from edu_portal.cms import rights_fields

        rights_fields.connect()
        review.register()
        # Department pages and school sites follow the org tree (part F: accounts cannot
        # import the portal, so the portal listens).
        from edu_portal.cms import departments, schools

        departments.connect()
        schools.connect()
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="edu_portal.cms.migrate")
        # Site search (part D): the searchable types, and the receivers that keep its index
        # current.
        from edu_portal.cms.search import providers as search_providers
        from edu_portal.cms.search import signals as search_signals

        search_providers.register_defaults()
        search_signals.connect()
