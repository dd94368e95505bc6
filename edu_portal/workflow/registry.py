"""Which models take part in the review workflow, and who may do what to them.

Each reviewable model registers a :class:`Policy` (from its app's ``ready()``)::

    registry.register(Resource, ResourcePolicy())

The transitions (``workflow.transitions``) ask the policy for permission; the queue page
asks it for the objects a user may review (``review_queryset``), how to show them, which
filters they offer (``filter_fields`` / ``filter_queryset``) and who reviews what
(``routing_help``). The workflow itself knows nothing about org units or collections:
scoping is the policy's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from edu_portal.workflow.models import State


@dataclass(frozen=True)
class FilterField:
    """A choice filter of the review queue that a model offers (kind, unit, collection …).

    Fields of several models with the same ``name`` are merged into one select; choosing a
    value leaves out the models that do not offer that field.
    """

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]


class Policy:
    """Permissions and presentation of one reviewable model. Override what differs.

    Every ``may_*`` method answers for the object as it is (its current state is checked by
    the transition itself, so a policy need not repeat it).
    """

    model: type[models.Model]

    # --- permissions ------------------------------------------------------------------------

    def may_manage(self, user, obj) -> bool:
        """Owner-side rights: edit, reopen a draft."""
        return False

    def may_submit(self, user, obj) -> bool:
        return self.may_manage(user, obj)

    def may_review(self, user, obj) -> bool:
        """Request changes (and see it while it is in review)."""
        return False

    def may_publish(self, user, obj) -> bool:
        return False

    def may_decline(self, user, obj) -> bool:
        """Turn it down for good (final). Off unless a model opts in: catalog resources are
        sent back or withdrawn instead, periodical articles can be declined."""
        return False

    def may_withdraw(self, user, obj) -> bool:
        return self.may_manage(user, obj) or self.may_review(user, obj)

    def may_view(self, user, obj) -> bool:
        """May ``user`` see the object at all (published, or theirs, or theirs to review)?"""
        return (
            obj.state == State.PUBLISHED or self.may_manage(user, obj) or self.may_review(user, obj)
        )

    def is_reviewer(self, user) -> bool:
        """Does ``user`` review anything of this model anywhere (to show the queue)?"""
        return False

    def is_submitter(self, user) -> bool:
        """May ``user`` submit objects of this model? The review page then shows them their
        own submissions instead of refusing them."""
        return False

    # --- querysets ---------------------------------------------------------------------------

    def review_queryset(self, user) -> QuerySet:
        """Objects in review that ``user`` may review (only those, for the queue)."""
        return self.model._default_manager.none()

    def own_queryset(self, user) -> QuerySet:
        """The user's own objects that are not published (for "my submissions")."""
        return self.model._default_manager.none()

    # --- the queue's filters -----------------------------------------------------------------

    # Fields the queue's text filter searches (``icontains``); by default the model's
    # ``title`` when it has one. A model with none is left out when a text is given.
    search_fields: tuple[str, ...] | None = None

    def filter_fields(self, user, queryset: QuerySet) -> list[FilterField]:
        """The model's own choice filters, with choices drawn from ``queryset`` (the user's
        queue), so that a reviewer is offered only values that occur in their queue."""
        return []

    def filter_queryset(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        """Apply the values of this model's ``filter_fields`` (already checked against
        their choices)."""
        return queryset

    def search_queryset(self, queryset: QuerySet, text: str) -> QuerySet:
        fields = self.search_fields
        if fields is None:
            names = {field.name for field in self.model._meta.get_fields()}
            fields = ("title",) if "title" in names else ()
        if not fields:
            return queryset.none()
        query = Q()
        for name in fields:
            query |= Q(**{f"{name}__icontains": text})
        return queryset.filter(query)

    # --- presentation ------------------------------------------------------------------------

    def label(self, obj) -> str:
        return str(obj)

    def kind_label(self, obj) -> str:
        return str(self.model._meta.verbose_name)

    def url(self, obj) -> str:
        return ""

    def edit_url(self, user, obj) -> str:
        """Where the owner edits the object while it may be edited (a draft, sent back,
        withdrawn): by convention the app's ``<app_label>:edit`` page, if it has one."""
        editable = (State.DRAFT, State.CHANGES_REQUESTED, State.WITHDRAWN)
        if obj.state not in editable or not self.may_manage(user, obj):
            return ""
        try:
            return reverse(f"{obj._meta.app_label}:edit", args=[obj.pk])
        except NoReverseMatch:
            return ""

    def preview_url(self, obj) -> str:
        """Where a reviewer opens the full preview (by default the object's own page)."""
        return self.url(obj)

    def thumbnail_url(self, obj) -> str | None:
        """A small image of the object for the queue, or None (the queue shows its kind)."""
        return None

    def routing_help(self) -> list[str]:
        """Sentences saying who reviews what for this model (shown on the review page)."""
        return []

    def review_scope(self, user) -> list[str]:
        """What ``user`` reviews, in words (units, periodicals …), for the review page."""
        return []

    def owner(self, obj):
        return None

    def org_unit(self, obj):
        """The unit the object belongs to (shown in the queue)."""
        return None

    def review_unit(self, obj):
        """The unit whose reviewers decide on it (named in refusals)."""
        return self.org_unit(obj)

    # --- objects whose states another engine keeps --------------------------------------------

    # A model whose review state lives in another engine (Wagtail's workflow states, say)
    # sets this and implements ``apply_transition``; its objects still offer ``state``,
    # ``submitted_at`` (a field or an annotation of the policy's querysets) and
    # ``review_comment`` for the queue. The transition checks permission and state as for
    # any model, then lets the engine move the object and record the step in its own
    # history (and its own audit); ``signals.transitioned`` is still sent after commit.
    engine_managed: bool = False

    def apply_transition(self, action: str, actor, obj, comment: str) -> bool:
        """Carry out ``action`` in the engine; False when the object is no longer in the
        state the transition starts from (someone else decided first)."""
        raise NotImplementedError

    # --- hooks ---------------------------------------------------------------------------------

    def after_transition(self, obj, action: str, from_state: str, to_state: str) -> None:
        """Called inside the transition's transaction (schedule reindexing here)."""


_registry: dict[type[models.Model], Policy] = {}


def register(model: type[models.Model], policy: Policy) -> None:
    """Make ``model`` reviewable under ``policy``; registering again replaces it (tests)."""
    policy.model = model
    _registry[model] = policy


def unregister(model: type[models.Model]) -> None:
    _registry.pop(model, None)


def policy_for(obj_or_model) -> Policy:
    """The policy of an object or model; LookupError when it is not registered."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    if model in _registry:  # a proxy model registered in its own right
        return _registry[model]
    model = model._meta.concrete_model
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model._meta.label} is not registered with the workflow") from None


def model_for_label(label: str) -> type[models.Model] | None:
    """The registered model named ``app_label.model_name`` (lower case), or None."""
    for model in _registry:
        if model._meta.label_lower == label:
            return model
    return None


def registered() -> list[tuple[type[models.Model], Policy]]:
    return list(_registry.items())
