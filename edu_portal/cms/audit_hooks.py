"""Portal events in the platform's audit log (``accounts.audit``).

Wagtail keeps its own history (``wagtailcore.PageLogEntry``) for its admin; the platform's
audit log is where the bureau looks for who changed what from which address, across every
app, so every publish, unpublish (take down), delete, move and workflow decision of a page
lands there too. The actor and the client address come from the audit context (the
request's, through ``AuditMiddleware``; a Celery task runs as the system, no address).
Wagtail names the acting user in most of its signals: that user is the actor then, the
address still the request's.

Permission changes are audited where they happen: ``cms.rights`` (managed groups) and
``cms.signals`` (a column's editor units and direct publishing, a school's editors).
"""

from __future__ import annotations

from contextlib import nullcontext

from auditlog.models import LogEntry
from django.db.models.signals import pre_delete
from wagtail.models import Page
from wagtail.signals import (
    page_published,
    page_unpublished,
    post_page_move,
    task_approved,
    task_cancelled,
    task_rejected,
    workflow_cancelled,
    workflow_submitted,
)

from edu_portal.accounts.audit import actor_context, log_event


def _as(user):
    """The audit context for a step Wagtail says ``user`` did (else the current one)."""
    if user is not None and getattr(user, "pk", None) is not None:
        return actor_context(user)
    return nullcontext()


def _published(sender, instance, revision=None, **kwargs):
    if not isinstance(instance, Page):
        return
    user = getattr(revision, "user", None) if revision is not None else None
    with _as(kwargs.get("user") or None):
        log_event(
            instance,
            {
                "action": [None, "publish"],
                "revision": [None, getattr(revision, "pk", None)],
                "url_path": [None, instance.url_path],
                "author": [None, getattr(user, "username", None)],
            },
        )


def _unpublished(sender, instance, **kwargs):
    if isinstance(instance, Page):
        log_event(instance, {"action": [None, "unpublish"], "live": [True, False]})


def _deleted(sender, instance, **kwargs):
    # Connected for Page itself: Django sends pre_delete for every table of a page
    # (ArticlePage and its Page row), one entry per page is enough.
    if instance.depth > 1:
        log_event(
            instance,
            {"action": [None, "delete"], "title": [instance.title, None]},
            action=LogEntry.Action.DELETE,
        )


def _moved(sender, instance, url_path_before="", url_path_after="", **kwargs):
    log_event(instance, {"action": [None, "move"], "url_path": [url_path_before, url_path_after]})


def _page_of(workflow_state):
    # The workflow names the base Page row; the log names the page's own type, as the
    # publish entries do, so that one page's entries are found together.
    page = workflow_state.content_object
    return page.specific if isinstance(page, Page) else None


def _task_step(step: str):
    def receiver(sender, instance, user=None, **kwargs):
        page = _page_of(instance.workflow_state)
        if page is None:
            return
        with _as(user):
            log_event(
                page,
                {
                    "action": [None, f"workflow.{step}"],
                    "task": [None, instance.task.name],
                    "comment": [None, instance.comment or ""],
                },
            )

    receiver.__name__ = f"audit_task_{step}"
    return receiver


def _workflow_step(step: str):
    def receiver(sender, instance, user=None, **kwargs):
        page = _page_of(instance)
        if page is None:
            return
        with _as(user):
            log_event(
                page,
                {"action": [None, f"workflow.{step}"], "workflow": [None, instance.workflow.name]},
            )

    receiver.__name__ = f"audit_workflow_{step}"
    return receiver


_receivers = {
    "approve": _task_step("approve"),
    "reject": _task_step("reject"),
    "cancel_task": _task_step("cancel"),
    "submit": _workflow_step("submit"),
    "cancel": _workflow_step("cancel"),
}


def _name_the_keys() -> None:
    """The audit log's pages show these keys (not fields of the pages) in words."""
    from django.contrib.auth.models import Group
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import pgettext_lazy
    from wagtail.models import get_page_models

    from edu_portal.accounts.audit_admin import register_change_labels

    labels = {
        "action": _("action"),
        "revision": _("revision"),
        "author": _("author"),
        "workflow": _("workflow"),
        "task": _("task"),
        "comment": _("comment"),
        "url_path": _("page address"),
    }
    context = "audit action"
    actions = {
        "publish": pgettext_lazy(context, "published"),
        "unpublish": pgettext_lazy(context, "taken down"),
        "delete": pgettext_lazy(context, "deleted"),
        "move": pgettext_lazy(context, "moved"),
        "workflow.submit": pgettext_lazy(context, "submitted for approval"),
        "workflow.approve": pgettext_lazy(context, "approved"),
        "workflow.reject": pgettext_lazy(context, "changes requested"),
        "workflow.cancel": pgettext_lazy(context, "approval cancelled"),
    }
    for model in get_page_models():
        register_change_labels(model, labels, {"action": actions})
    register_change_labels(
        Group, {"members": _("members"), "page_permissions": _("page permissions")}
    )


def connect() -> None:
    """Called once from ``CmsConfig.ready``."""
    uid = "edu_portal.cms.audit."
    _name_the_keys()
    page_published.connect(_published, dispatch_uid=uid + "published")
    page_unpublished.connect(_unpublished, dispatch_uid=uid + "unpublished")
    pre_delete.connect(_deleted, sender=Page, dispatch_uid=uid + "deleted")
    post_page_move.connect(_moved, dispatch_uid=uid + "moved")
    task_approved.connect(_receivers["approve"], dispatch_uid=uid + "task_approved")
    task_rejected.connect(_receivers["reject"], dispatch_uid=uid + "task_rejected")
    task_cancelled.connect(_receivers["cancel_task"], dispatch_uid=uid + "task_cancelled")
    workflow_submitted.connect(_receivers["submit"], dispatch_uid=uid + "workflow_submitted")
    workflow_cancelled.connect(_receivers["cancel"], dispatch_uid=uid + "workflow_cancelled")
