"""Which models take part in the review workflow, and who may do what to them.

Each reviewable model registers a :class:`Policy` (from its app's ``ready()``)::

    registry.register(Resource, ResourcePolicy())

The transitions (``workflow.transitions``) ask the policy for permission; the queue page
asks it for the objects a user may review (``review_queryset``) and how to show them. The
workflow itself knows nothing about org units or collections: scoping is the policy's job.
"""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from edu_portal.workflow.models import State


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

    # --- querysets ---------------------------------------------------------------------------

    def review_queryset(self, user) -> QuerySet:
        """Objects in review that ``user`` may review (only those, for the queue)."""
        return self.model._default_manager.none()

    def own_queryset(self, user) -> QuerySet:
        """The user's own objects that are not published (for "my submissions")."""
        return self.model._default_manager.none()

    # --- presentation ------------------------------------------------------------------------

    def label(self, obj) -> str:
        return str(obj)

    def kind_label(self, obj) -> str:
        return str(self.model._meta.verbose_name)

    def url(self, obj) -> str:
        return ""

    def owner(self, obj):
        return None

    def org_unit(self, obj):
        """The unit the object belongs to (shown in the queue)."""
        return None

    def review_unit(self, obj):
        """The unit whose reviewers decide on it (named in refusals)."""
        return self.org_unit(obj)

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
