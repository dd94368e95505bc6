"""What the portal does when the platform's data changes, and who hears of a review step.

Rights (``cms.rights.sync``) follow: a role assigned or revoked, an account deactivated or
reactivated, a column's editor units or direct publishing, a school site's editors, a
school site or column added or deleted. The sync runs once after the transaction that made
the change commits (several changes in one transaction: one sync). Changes of a column's or
school site's rights fields are audited here, with the request's actor and address.

Notifications (the platform's centre): a page submitted to the approval task tells the
nearest approvers (the school's reviewers, or the office); an approval or a request for
changes tells the person who submitted it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.signals import task_approved, task_rejected, task_submitted

from edu_portal.accounts.audit import log_event
from edu_portal.accounts.models import RoleAssignment, User
from edu_portal.accounts.permissions import nearest_holders
from edu_portal.cms.models import ColumnPage, PlatformApprovalTask, SchoolSitePage
from edu_portal.cms.models.review import PUBLISH, approving_unit
from edu_portal.notifications.actions import notify, notify_many
from edu_portal.notifications.models import Category

log = logging.getLogger(__name__)


# --- rights ---------------------------------------------------------------------------------


def _run_sync() -> None:
    from edu_portal.cms import rights

    transaction.get_connection()._cms_sync_pending = False
    rights.sync()


def schedule_sync() -> None:
    """Sync the managed groups after the current transaction commits (once per
    transaction, however many changes it holds; at once outside one)."""
    connection = transaction.get_connection()
    # Pending only while our callback still waits (Django keeps (savepoints, callable,
    # robust) tuples and drops those of a rolled-back savepoint).
    if getattr(connection, "_cms_sync_pending", False) and any(
        entry[1] is _run_sync for entry in connection.run_on_commit
    ):
        return
    connection._cms_sync_pending = True
    transaction.on_commit(_run_sync)


def _role_changed(sender, instance, **kwargs):
    schedule_sync()


def _user_saving(sender, instance: User, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        return
    before = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    instance._cms_active_changed = before is not None and before != instance.is_active


def _user_saved(sender, instance: User, **kwargs):
    if getattr(instance, "_cms_active_changed", False):
        instance._cms_active_changed = False
        schedule_sync()


def _column_saving(sender, instance, **kwargs):
    if instance.pk is None:
        return
    before = ColumnPage.objects.filter(pk=instance.pk).values_list("direct_publish", flat=True)
    instance._cms_direct_before = before.first()


def _column_saved(sender, instance, created=False, **kwargs):
    before = getattr(instance, "_cms_direct_before", None)
    if created:
        schedule_sync()
    elif before is not None and before != instance.direct_publish:
        log_event(instance, {"direct_publish": [before, instance.direct_publish]})
        schedule_sync()
    instance._cms_direct_before = instance.direct_publish


def _names(model, pks) -> list[str]:
    return sorted(str(obj) for obj in model._default_manager.filter(pk__in=pks))


def _relation_changed(field_name: str, target_model):
    def receiver(sender, instance, action, reverse=False, pk_set=None, **kwargs):
        if reverse:
            schedule_sync()  # a unit or user side change: rare, just resync
            return
        field = instance._meta.get_field(field_name)
        rows = field.remote_field.through.objects.filter(**{field.m2m_field_name(): instance.pk})
        current = list(rows.values_list(field.m2m_reverse_field_name(), flat=True))
        if action.startswith("pre_"):
            instance.__dict__[f"_cms_{field_name}_before"] = current
            return
        before, after = instance.__dict__.pop(f"_cms_{field_name}_before", []), current
        if set(before) != set(after):
            log_event(
                instance, {field_name: [_names(target_model, before), _names(target_model, after)]}
            )
            schedule_sync()

    receiver.__name__ = f"cms_{field_name}_changed"
    return receiver


def _structure_changed(sender, instance, **kwargs):
    schedule_sync()


# --- notifications ----------------------------------------------------------------------------


def _page_of(task_state):
    return task_state.workflow_state.content_object


def _submitted(sender, instance, user=None, **kwargs):
    if not isinstance(instance.task.specific, PlatformApprovalTask):
        return
    page = _page_of(instance)
    unit = approving_unit(page)
    if unit is None:
        return
    requester = instance.workflow_state.requested_by
    skip = {getattr(user, "pk", None), getattr(requester, "pk", None)}
    reviewers = nearest_holders(PUBLISH, unit, exclude=skip)
    if not reviewers:
        return
    with translation.override(settings.LANGUAGE_CODE):
        notify_many(
            reviewers,
            _("To review: “%(title)s”") % {"title": page.get_admin_display_title()},
            _("%(name)s submitted the portal page “%(title)s” for approval.")
            % {"name": str(requester or user), "title": page.get_admin_display_title()},
            reverse("workflow:queue"),
            category=Category.SYSTEM,
            target=page,
        )


def _decided(approved: bool):
    def receiver(sender, instance, user=None, **kwargs):
        if not isinstance(instance.task.specific, PlatformApprovalTask):
            return
        requester = instance.workflow_state.requested_by
        if requester is None or getattr(user, "pk", None) == requester.pk:
            return
        page = _page_of(instance)
        title = page.get_admin_display_title()
        with translation.override(settings.LANGUAGE_CODE):
            if approved:
                subject = _("Your page “%(title)s” was approved") % {"title": title}
                body = _("A reviewer approved it; it is now published.")
                link = page.url or reverse("wagtailadmin_pages:edit", args=[page.pk])
            else:
                subject = _("Please revise your page “%(title)s”") % {"title": title}
                body = _("The reviewer asks for changes:\n\n%(comment)s") % {
                    "comment": instance.comment or "—"
                }
                link = reverse("wagtailadmin_pages:edit", args=[page.pk])
            if approved and instance.comment:
                body = f"{body}\n\n{instance.comment}"
            notify(requester, subject, body, link, category=Category.SYSTEM, target=page)

    receiver.__name__ = "cms_task_approved" if approved else "cms_task_rejected"
    return receiver


_approved = _decided(True)
_rejected = _decided(False)


def connect() -> None:
    """Called once from ``CmsConfig.ready``."""
    uid = "edu_portal.cms.signals."
    post_save.connect(_role_changed, sender=RoleAssignment, dispatch_uid=uid + "role_saved")
    post_delete.connect(_role_changed, sender=RoleAssignment, dispatch_uid=uid + "role_deleted")
    pre_save.connect(_user_saving, sender=User, dispatch_uid=uid + "user_saving")
    post_save.connect(_user_saved, sender=User, dispatch_uid=uid + "user_saved")
    pre_save.connect(_column_saving, sender=ColumnPage, dispatch_uid=uid + "column_saving")
    post_save.connect(_column_saved, sender=ColumnPage, dispatch_uid=uid + "column_saved")
    post_delete.connect(_structure_changed, sender=ColumnPage, dispatch_uid=uid + "column_gone")
    post_save.connect(_structure_changed, sender=SchoolSitePage, dispatch_uid=uid + "site_saved")
    post_delete.connect(_structure_changed, sender=SchoolSitePage, dispatch_uid=uid + "site_gone")
    m2m_changed.connect(
        _relation_changed("editor_units", ColumnPage.editor_units.field.related_model),
        sender=ColumnPage.editor_units.through,
        dispatch_uid=uid + "editor_units",
        weak=False,
    )
    m2m_changed.connect(
        _relation_changed("editors", User),
        sender=SchoolSitePage.editors.through,
        dispatch_uid=uid + "site_editors",
        weak=False,
    )
    task_submitted.connect(_submitted, dispatch_uid=uid + "task_submitted")
    task_approved.connect(_approved, dispatch_uid=uid + "task_approved")
    task_rejected.connect(_rejected, dispatch_uid=uid + "task_rejected")
