"""Catalog resources in the review workflow: who may submit, review, publish and withdraw
them (``catalog.policy``), what the review queue shows and lets reviewers filter by, and
reindexing after each step.

Who reviews what (the routing; ``catalog.policy.review_unit`` picks the unit):

- an upload from a school (or one of its grades and classes) goes to that school's
  reviewers: its school administrator and school reviewers;
- a resource in a collection with a review unit (a bureau-wide collection) goes to that
  unit's reviewers: the bureau office;
- an upload from a bureau department goes to the office too: office reviewers hold their
  role at the bureau root, so every item reaches them (and nobody else's scope reaches a
  department).
"""

from __future__ import annotations

import logging

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import kinds, policy
from catalog.models import Resource
from catalog.search import signals
from edu_portal.accounts.models import OrgUnit
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

    def is_submitter(self, user) -> bool:
        return has_perm(user, "content.submit") or has_perm(user, "resource.upload")

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

    # --- the queue's filters --------------------------------------------------------------

    search_fields = ("title", "description", "uploader__display_name", "uploader__username")

    def filter_fields(self, user, queryset: QuerySet) -> list[registry.FilterField]:
        rows = queryset.order_by()
        present = set(rows.values_list("kind", flat=True).distinct())
        kind_choices = tuple((k, str(label)) for k, label in Resource.Kind.choices if k in present)
        units = rows.values_list("org_unit_id", "org_unit__name").distinct()
        collections = (
            rows.filter(collection__isnull=False)
            .values_list("collection_id", "collection__name")
            .distinct()
        )
        return [
            registry.FilterField("kind", _("Kind"), kind_choices),
            registry.FilterField(
                "unit",
                _("School or unit"),
                tuple(sorted(((str(pk), name) for pk, name in units if pk), key=_by_name)),
            ),
            registry.FilterField(
                "collection",
                _("Collection"),
                tuple(sorted(((str(pk), name) for pk, name in collections), key=_by_name)),
            ),
        ]

    def filter_queryset(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        if values.get("kind"):
            queryset = queryset.filter(kind=values["kind"])
        if values.get("unit"):
            queryset = queryset.filter(org_unit_id=int(values["unit"]))
        if values.get("collection"):
            queryset = queryset.filter(collection_id=int(values["collection"]))
        return queryset

    # --- presentation ----------------------------------------------------------------------

    def routing_help(self) -> list[str]:
        return [
            _(
                "Uploads from a school are reviewed by that school's administrator or its "
                "school reviewers."
            ),
            _(
                "Resources in a bureau-wide collection, and uploads from the bureau's "
                "departments, are reviewed by the bureau office."
            ),
            _("Office reviewers review everything in the bureau. Nobody reviews their own upload."),
        ]

    def review_scope(self, user) -> list[str]:
        if is_bureau_admin(user):
            return [_("everything, as a bureau administrator")]
        paths = perm_paths(user, "content.review") or []
        scope = []
        for unit in OrgUnit.objects.filter(path__in=paths).order_by("path"):
            if unit.depth == 1:
                scope.append(_("%(unit)s: every school and department") % {"unit": unit.name})
            else:
                scope.append(unit.name)
        return scope

    def thumbnail_url(self, obj: Resource) -> str | None:
        return kinds.thumbnail_url(obj)

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


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1]


def register() -> None:
    registry.register(Resource, ResourcePolicy())
