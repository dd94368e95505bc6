"""Catalog resources in the review workflow: who may submit, review, publish and withdraw
them (``catalog.policy``), what the review queue shows, and reindexing after each step."""

from __future__ import annotations

import logging

from django.db.models import Q, QuerySet
from django.urls import reverse

from catalog import policy
from catalog.models import Resource
from catalog.search import signals
from edu_portal.accounts.permissions import has_perm, is_bureau_admin, perm_paths
from edu_portal.workflow import registry
from edu_portal.workflow.models import State

log = logging.getLogger(__name__)

SUBMITTABLE = frozenset({State.DRAFT, State.CHANGES_REQUESTED, State.WITHDRAWN})


def _live(resource: Resource) -> bool:
    return resource.deleted_at is None


class ResourcePolicy(registry.Policy):
    def may_manage(self, user, obj: Resource) -> bool:
        return _live(obj) and policy.can_manage(user, obj)

    def may_submit(self, user, obj: Resource) -> bool:
        return self.may_manage(user, obj) and obj.state in SUBMITTABLE

    def may_review(self, user, obj: Resource) -> bool:
        return _live(obj) and policy.can_review(user, obj)

    def may_publish(self, user, obj: Resource) -> bool:
        return _live(obj) and policy.can_publish(user, obj)

    def may_withdraw(self, user, obj: Resource) -> bool:
        return _live(obj) and (policy.can_manage(user, obj) or policy.can_review(user, obj))

    def may_view(self, user, obj: Resource) -> bool:
        return _live(obj) and (obj.is_published or policy.can_see_unpublished(user, obj))

    def is_reviewer(self, user) -> bool:
        return is_bureau_admin(user) or has_perm(user, "content.review")

    def review_queryset(self, user) -> QuerySet:
        """Resources in review whose review unit (the collection's, else the resource's
        own) lies at or below a unit where ``user`` holds ``content.review``; never the
        user's own, unless a bureau administrator (the same rule as ``can_review``)."""
        queryset = Resource.objects.filter(
            state=State.IN_REVIEW, deleted_at__isnull=True
        ).select_related("uploader", "org_unit", "collection__review_unit")
        if is_bureau_admin(user):
            return queryset
        paths = perm_paths(user, "content.review")
        if not paths:  # None (superuser) is a bureau administrator, handled above
            return queryset.none()
        by_collection = Q(collection__review_unit__isnull=False)
        scope = Q()
        for path in paths:
            scope |= (by_collection & Q(collection__review_unit__path__startswith=path)) | (
                ~by_collection & Q(org_unit__path__startswith=path)
            )
        return queryset.filter(scope).exclude(uploader_id=user.pk)

    def own_queryset(self, user) -> QuerySet:
        return (
            Resource.objects.filter(uploader_id=user.pk, deleted_at__isnull=True)
            .exclude(state=State.PUBLISHED)
            .select_related("uploader", "org_unit", "collection__review_unit")
        )

    def label(self, obj: Resource) -> str:
        return obj.title

    def kind_label(self, obj: Resource) -> str:
        return str(obj.get_kind_display())

    def url(self, obj: Resource) -> str:
        return reverse("catalog:detail", args=[obj.pk])

    def owner(self, obj: Resource):
        return obj.uploader

    def org_unit(self, obj: Resource):
        return obj.org_unit

    def review_unit(self, obj: Resource):
        return policy.review_unit(obj)

    def after_transition(self, obj: Resource, action: str, from_state: str, to_state: str):
        # Publishing adds it to search, withdrawing removes it; the task reads the state.
        signals.request_index(obj.pk)


def register() -> None:
    registry.register(Resource, ResourcePolicy())
