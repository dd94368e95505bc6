"""Portal pages in the platform's review queue, decided through Wagtail's workflow engine.

The workflow "审核发布" (one ``PlatformApprovalTask``) is assigned to the tree's root, so
every page submitted for moderation waits at that task. ``PagePolicy`` shows those task
states at ``/review/`` beside resources and carries out the queue's approve / request
changes with ``Task.on_action`` (``TaskState.approve`` / ``reject``): Wagtail's workflow
state, its history and the publishing of the approved revision stay Wagtail's.

Routing (``models.review.approving_unit``): a page under a school's site is approved by the
school's administrator or school reviewers, or the office; every other page by the office
or a bureau administrator. Nobody approves their own submission, except a bureau
administrator.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page, TaskState, Workflow, WorkflowPage, WorkflowState, WorkflowTask

from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.permissions import has_perm, is_bureau_admin, perm_paths
from edu_portal.cms.models.review import (
    PUBLISH,
    PageReview,
    PlatformApprovalTask,
    approving_unit,
    may_approve,
    school_site_of,
)
from edu_portal.workflow import registry

WORKFLOW_NAME = "审核发布"
TASK_NAME = "办公室或学校审核"
KIND = "cms_page"
WAGTAIL_DEFAULT = "Moderators approval"
KIND_LABEL = gettext_lazy("Portal page")


def ensure_workflow() -> Workflow | None:
    """The workflow "审核发布" with its one task, assigned to the tree's root (idempotent;
    run after migrate). An administrator may rename or extend it in the admin afterwards;
    it is only created when missing and assigned when the root has none."""
    root = Page.get_first_root_node()
    if root is None:
        return None
    with transaction.atomic():
        task = PlatformApprovalTask.objects.order_by("pk").first()
        if task is None:
            task = PlatformApprovalTask.objects.create(name=TASK_NAME)
        workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
        if workflow is None:
            workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        assigned = WorkflowPage.objects.filter(page=root).select_related("workflow").first()
        if assigned is None:
            WorkflowPage.objects.create(page=root, workflow=workflow)
        elif assigned.workflow.name == WAGTAIL_DEFAULT and assigned.workflow_id != workflow.pk:
            # Wagtail's install assigns its group-based "Moderators approval" to the root;
            # approvals here are the platform's, so ours takes its place (once).
            old = assigned.workflow
            assigned.workflow = workflow
            assigned.save(update_fields=["workflow"])
            if not old.workflow_pages.exists():
                old.deactivate()
    return workflow


def column_of(page: Page):
    """The nearest column (ColumnPage) at or above ``page``, or None."""
    from edu_portal.cms.models import ColumnPage

    step = Page.steplen
    paths = [page.path[:end] for end in range(step, len(page.path) + 1, step)]
    return ColumnPage.objects.filter(path__in=paths).order_by("-depth").first()


def owning_unit(page: Page) -> OrgUnit | None:
    """The unit a page belongs to, for the queue: its school, else the first unit whose
    editors write in its column, else the bureau."""
    site = school_site_of(page)
    if site is not None:
        return site.school
    column = column_of(page)
    if column is not None:
        unit = column.editor_units.order_by("path").first()
        if unit is not None:
            return unit
    return approving_unit(page)


class PagePolicy(registry.Policy):
    """Pages waiting at a ``PlatformApprovalTask``, as items of ``/review/``."""

    engine_managed = True
    search_fields = (
        "revision__object_str",
        "workflow_state__requested_by__username",
        "workflow_state__requested_by__display_name",
    )

    # --- permissions -------------------------------------------------------------------------

    def _platform_task(self, obj: PageReview) -> bool:
        return obj.task.content_type.model_class() is PlatformApprovalTask

    def may_review(self, user, obj: PageReview) -> bool:
        page = obj.page
        if page is None or not self._platform_task(obj):
            return False
        return may_approve(user, page, obj.workflow_state.requested_by_id)

    def may_publish(self, user, obj: PageReview) -> bool:
        return self.may_review(user, obj)

    def may_withdraw(self, user, obj) -> bool:
        return False  # cancelled in Wagtail's editor, where the author works

    def may_view(self, user, obj: PageReview) -> bool:
        requester = obj.workflow_state.requested_by_id
        return (user.is_authenticated and requester == user.pk) or self.may_review(user, obj)

    def is_reviewer(self, user) -> bool:
        return is_bureau_admin(user) or has_perm(user, PUBLISH)

    def is_submitter(self, user) -> bool:
        from edu_portal.cms.models import ManagedGroup

        return ManagedGroup.objects.filter(group__user__pk=user.pk).exists()

    # --- querysets ---------------------------------------------------------------------------

    def review_queryset(self, user) -> QuerySet:
        return PageReview.objects.reviewable_by_platform(user)

    def own_queryset(self, user) -> QuerySet:
        return PageReview.objects.filter(
            workflow_state__requested_by=user,
            workflow_state__current_task_state=F("pk"),
            workflow_state__status__in=(
                WorkflowState.STATUS_IN_PROGRESS,
                WorkflowState.STATUS_NEEDS_CHANGES,
            ),
        )

    # --- the queue's filters -----------------------------------------------------------------

    def _units(self, queryset: QuerySet) -> dict[int, OrgUnit | None]:
        """Each item's unit (pages are few in a queue: computed per item)."""
        units = {}
        for item in queryset.order_by():
            page = item.page
            units[item.pk] = owning_unit(page) if page is not None else None
        return units

    def filter_fields(self, user, queryset: QuerySet) -> list[registry.FilterField]:
        if not queryset.exists():
            return []
        units = {unit.pk: unit.name for unit in self._units(queryset).values() if unit}
        return [
            registry.FilterField("kind", _("Kind"), ((KIND, str(KIND_LABEL)),)),
            registry.FilterField(
                "unit",
                _("School or unit"),
                tuple(sorted(((str(pk), name) for pk, name in units.items()), key=_by_name)),
            ),
        ]

    def filter_queryset(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        if values.get("kind") and values["kind"] != KIND:
            return queryset.none()
        if values.get("unit"):
            wanted = int(values["unit"])
            keep = [pk for pk, unit in self._units(queryset).items() if unit and unit.pk == wanted]
            queryset = queryset.filter(pk__in=keep)
        return queryset

    # --- presentation ------------------------------------------------------------------------

    def label(self, obj: PageReview) -> str:
        page = obj.page
        return obj.revision.object_str or (page.title if page is not None else str(obj.pk))

    def kind_label(self, obj: PageReview) -> str:
        page = obj.page
        column = column_of(page) if page is not None else None
        if column is not None and column.pk != page.pk:
            # Translators: the kind of a page in the review queue, with its column.
            return _("%(kind)s · %(column)s") % {"kind": KIND_LABEL, "column": column.title}
        return str(KIND_LABEL)

    def url(self, obj: PageReview) -> str:
        return self.preview_url(obj)

    def preview_url(self, obj: PageReview) -> str:
        """Wagtail's preview of the revision in review: its view checks that the person may
        see it (a reviewer of the task, or an editor of the page)."""
        return reverse(
            "wagtailadmin_pages:workflow_preview", args=[obj.revision.object_id, obj.task_id]
        )

    def edit_url(self, user, obj: PageReview) -> str:
        page = obj.page
        if page is None or not page.permissions_for_user(user).can_edit():
            return ""
        return reverse("wagtailadmin_pages:edit", args=[page.pk])

    def owner(self, obj: PageReview):
        return obj.workflow_state.requested_by

    def org_unit(self, obj: PageReview):
        page = obj.page
        return owning_unit(page) if page is not None else None

    def review_unit(self, obj: PageReview):
        page = obj.page
        return approving_unit(page) if page is not None else None

    def routing_help(self) -> list[str]:
        return [
            _(
                "Portal pages of a school's section are approved by that school's "
                "administrator or school reviewers (or the bureau office)."
            ),
            _(
                "Every other portal page is approved by the bureau office, unless its column "
                "lets its editors publish directly."
            ),
        ]

    def review_scope(self, user) -> list[str]:
        if is_bureau_admin(user):
            return [_("everything, as a bureau administrator")]
        paths = perm_paths(user, PUBLISH) or []
        return [unit.name for unit in OrgUnit.objects.filter(path__in=paths).order_by("path")]

    # --- the engine ----------------------------------------------------------------------------

    def apply_transition(self, action: str, actor, obj: PageReview, comment: str) -> bool:
        """Approve or reject through Wagtail; False when the task state has moved on."""
        wagtail_action = {"approve": "approve", "request_changes": "reject"}[action]
        with transaction.atomic():
            state = TaskState.objects.select_for_update().filter(pk=obj.pk).first()
            if state is None or state.status != TaskState.STATUS_IN_PROGRESS:
                return False
            state = state.specific
            state.task.specific.on_action(state, actor, wagtail_action, comment=comment)
        obj.status = state.status
        obj.comment = state.comment
        return True


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1]


def register() -> None:
    registry.register(PageReview, PagePolicy())
