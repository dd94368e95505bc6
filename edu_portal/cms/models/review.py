"""The portal's approval step in Wagtail's workflow engine, decided by the platform's roles.

``PlatformApprovalTask`` is a Wagtail Task like ``GroupApprovalTask``, except that who may
approve is not a list of groups typed into the admin: it is ``content.publish`` held at the
unit that owns the page (``approving_unit``): a school's section belongs to the school, so
its administrator and school reviewers approve it (and the office above them); every other
page belongs to the bureau, so the office and the bureau administrators approve it. Nobody
approves what they submitted themselves, except a bureau administrator.

``PageReview`` is the same TaskState row seen by the platform's review queue
(``edu_portal.workflow``): a proxy that speaks the queue's vocabulary (``state``,
``review_comment``, ``submitted_at``), so that pages wait at ``/review/`` beside resources
while Wagtail keeps the state and the history.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Task, TaskState, WorkflowState

from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.permissions import has_perm, is_bureau_admin, perm_paths
from edu_portal.workflow.models import State

PUBLISH = "content.publish"


def bureau_root() -> OrgUnit | None:
    """The bureau at the top of the org tree (the office's unit)."""
    return OrgUnit.get_root_nodes().filter(kind=OrgUnit.Kind.BUREAU).order_by("path").first()


def school_site_of(page: Page):
    """The SchoolSitePage at or above ``page``, or None (a bureau page)."""
    from edu_portal.cms.models.schools import SchoolSitePage

    return (
        SchoolSitePage.objects.filter(path__in=_ancestor_paths(page.path))
        .select_related("school")
        .order_by("-depth")
        .first()
    )


def _ancestor_paths(path: str) -> list[str]:
    step = Page.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def approving_unit(page: Page) -> OrgUnit | None:
    """The unit whose ``content.publish`` holders approve ``page``."""
    site = school_site_of(page)
    return site.school if site is not None else bureau_root()


def may_approve(user, page: Page, requested_by_id: int | None) -> bool:
    """The platform's rule for one page in review (see the module's docstring)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if requested_by_id == user.pk and not is_bureau_admin(user):
        return False
    unit = approving_unit(page)
    if unit is None:
        return is_bureau_admin(user)
    return has_perm(user, PUBLISH, unit)


def reviewable_page_ids(user):
    """A queryset of page ids (as text, as WorkflowState.object_id stores them) that
    ``user`` approves, or None for every page."""
    from edu_portal.cms.models.schools import SchoolSitePage

    if is_bureau_admin(user):
        return None
    root = bureau_root()
    paths = perm_paths(user, PUBLISH) or []
    if root is not None and any(root.path.startswith(path) for path in paths):
        return None  # the office: every page of the bureau and of its schools
    scope = Q()
    for path in paths:
        scope |= Q(school__path__startswith=path)
    sites = SchoolSitePage.objects.filter(scope) if paths else SchoolSitePage.objects.none()
    site_paths = list(sites.values_list("path", flat=True))
    if not site_paths:
        return Page.objects.none().values("pk")
    under = Q()
    for path in site_paths:
        under |= Q(path__startswith=path)
    return (
        Page.objects.filter(under)
        .annotate(pk_text=Cast("pk", models.CharField()))
        .values("pk_text")
    )


class PlatformApprovalTask(Task):
    """Approval by the platform's reviewers (see the module's docstring)."""

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = _("Approval by the platform's reviewers")
        verbose_name_plural = _("Approvals by the platform's reviewers")

    @classmethod
    def get_description(cls):
        return _(
            "The office approves bureau pages; a school's administrator and school reviewers "
            "(and the office) approve the school's pages. Nobody approves their own submission."
        )

    def _may(self, obj, user) -> bool:
        state = obj.current_workflow_state
        requested_by = state.requested_by_id if state is not None else None
        return may_approve(user, obj, requested_by)

    def user_can_access_editor(self, obj, user):
        return user.is_superuser or self._may(obj, user)

    def locked_for_user(self, obj, user):
        # While in review the page is the reviewer's: the author waits for the decision.
        return not (user.is_superuser or self._may(obj, user))

    def user_can_lock(self, obj, user):
        return self._may(obj, user)

    def user_can_unlock(self, obj, user):
        return False

    def get_actions(self, obj, user):
        if user.is_superuser or self._may(obj, user):
            return [
                ("reject", _("Request changes"), True),
                ("approve", _("Approve"), False),
                ("approve", _("Approve with comment"), True),
            ]
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        return states.filter(pk__in=PageReview.objects.reviewable_by_platform(user).values("pk"))


class PageReviewQuerySet(models.QuerySet):
    def reviewable_by_platform(self, user):
        """Pages in review at a PlatformApprovalTask that ``user`` may decide on."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        states = self.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            task__content_type__app_label="cms",
            task__content_type__model="platformapprovaltask",
            workflow_state__status=WorkflowState.STATUS_IN_PROGRESS,
        )
        if not is_bureau_admin(user):
            states = states.exclude(workflow_state__requested_by=user)
        ids = reviewable_page_ids(user)
        if ids is not None:
            states = states.filter(workflow_state__object_id__in=ids)
        return states


class PageReviewManager(models.Manager.from_queryset(PageReviewQuerySet)):
    def get_queryset(self):
        # The queue sorts and filters by ``submitted_at``: when the workflow started.
        return (
            super()
            .get_queryset()
            .annotate(submitted_at=F("workflow_state__created_at"))
            .select_related("workflow_state__requested_by", "revision", "task")
        )


class PageReview(TaskState):
    """A page's task state as the platform's review queue sees it."""

    objects = PageReviewManager()

    class Meta:
        proxy = True
        verbose_name = _("portal page")
        verbose_name_plural = _("portal pages")

    @property
    def state(self) -> str:
        return {
            TaskState.STATUS_IN_PROGRESS: State.IN_REVIEW,
            TaskState.STATUS_APPROVED: State.PUBLISHED,
            TaskState.STATUS_REJECTED: State.CHANGES_REQUESTED,
        }.get(self.status, State.WITHDRAWN)

    @property
    def review_comment(self) -> str:
        return self.comment

    @cached_property
    def page(self) -> Page | None:
        page = Page.objects.filter(pk=self.workflow_state.object_id).first()
        return page.specific if page is not None else None

    def __str__(self) -> str:
        return self.revision.object_str if self.revision_id else str(self.pk)
