"""The transitions of the review workflow: check, change, audit, notify after commit.

    draft ──submit──▶ in review ──approve──▶ published
      ▲                  │  └─request_changes─▶ changes requested ──submit──▶ in review
      └──reopen── withdrawn ◀──withdraw── (in review, published)
                     in review ──decline──▶ declined (final; only models whose policy
                                                      allows ``may_decline``)

Every transition checks the actor's permission with the model's policy (``registry``),
then the object's state, then moves it with a conditional UPDATE: of two reviewers acting
on the same item at once, the second is told that someone else has already decided
instead of moving it twice. In the same transaction it writes a :class:`ReviewEvent` and
an audit entry; ``signals.transitioned`` is sent after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.workflow import registry
from edu_portal.workflow.models import ReviewEvent, State
from edu_portal.workflow.signals import transitioned

log = logging.getLogger(__name__)

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    permission: str  # the Policy method that decides


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            frozenset({State.DRAFT, State.CHANGES_REQUESTED, State.WITHDRAWN}),
            State.IN_REVIEW,
            "may_submit",
        ),
        Transition("approve", frozenset({State.IN_REVIEW}), State.PUBLISHED, "may_publish"),
        Transition(
            "request_changes",
            frozenset({State.IN_REVIEW}),
            State.CHANGES_REQUESTED,
            "may_review",
        ),
        Transition("decline", frozenset({State.IN_REVIEW}), State.DECLINED, "may_decline"),
        Transition(
            "withdraw",
            frozenset({State.PUBLISHED, State.IN_REVIEW}),
            State.WITHDRAWN,
            "may_withdraw",
        ),
        Transition(
            "reopen",
            frozenset({State.WITHDRAWN, State.CHANGES_REQUESTED}),
            State.DRAFT,
            "may_manage",
        ),
    )
}

ACTIONS = tuple(TRANSITIONS)
# Steps that must say why (the author reads the comment).
COMMENT_REQUIRED = frozenset({"request_changes", "decline"})


def _who_may(action: str, unit) -> str:
    """The sentence a refused actor reads: who may do this instead."""
    name = str(unit) if unit is not None else _("the unit it belongs to")
    if action == "submit":
        return _("Only the uploader or a bureau administrator can submit this for review.")
    if action == "approve":
        return _(
            "Only reviewers with the right to publish at %(unit)s or above can approve this, "
            "and nobody approves their own work."
        ) % {"unit": name}
    if action == "request_changes":
        return _(
            "Only reviewers at %(unit)s or above can request changes to this, "
            "and nobody reviews their own work."
        ) % {"unit": name}
    if action == "decline":
        return _(
            "Only reviewers at %(unit)s or above can decline this, "
            "and nobody reviews their own work."
        ) % {"unit": name}
    if action == "withdraw":
        return _(
            "Only the uploader, a bureau administrator or a reviewer at %(unit)s or above "
            "can withdraw this."
        ) % {"unit": name}
    return _("Only the uploader or a bureau administrator can reopen this as a draft.")


def _rule(action: str) -> str:
    """Which states ``action`` starts from, in words."""
    return {
        "submit": _(
            "Only drafts, withdrawn items and items with changes requested can be submitted "
            "for review."
        ),
        "approve": _("Only items in review can be approved."),
        "request_changes": _("Only items in review can be sent back with changes requested."),
        "decline": _("Only items in review can be declined."),
        "withdraw": _("Only published items and items in review can be withdrawn."),
        "reopen": _("Only withdrawn items and items with changes requested can be reopened."),
    }[action]


def _state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def _allowed(policy: registry.Policy, transition: Transition, actor, obj) -> bool:
    return bool(getattr(policy, transition.permission)(actor, obj))


def available_actions(actor, obj) -> list[str]:
    """The transitions ``actor`` may perform on ``obj`` in its current state."""
    policy = registry.policy_for(obj)
    return [
        t.name
        for t in TRANSITIONS.values()
        if obj.state in t.sources and _allowed(policy, t, actor, obj)
    ]


def _check(policy: registry.Policy, transition: Transition, actor, obj) -> None:
    allowed = _allowed(policy, transition, actor, obj)
    valid = obj.state in transition.sources
    if allowed and valid:
        return
    # Tell people who can see the object why the step does not apply; tell everyone else
    # only that they may not, so the state of someone's draft does not leak.
    if not valid and (allowed or policy.may_view(actor, obj)):
        raise ValidationError(
            _("%(rule)s This one is “%(state)s”.")
            % {"rule": _rule(transition.name), "state": _state_label(obj.state)},
            code="invalid_transition",
        )
    raise PermissionDenied(_who_may(transition.name, policy.review_unit(obj)))


def _clean_comment(comment: str, *, required: bool, action: str = "request_changes") -> str:
    comment = (comment or "").strip()
    if required and not comment:
        if action == "decline":
            message = _("Please say why: a comment is required to decline.")
        else:
            message = _(
                "Please say what needs to change: a comment is required to request changes."
            )
        raise ValidationError(message, code="comment_required")
    if len(comment) > MAX_COMMENT:
        raise ValidationError(
            _("The comment is too long: keep it under %(max)d characters.") % {"max": MAX_COMMENT},
            code="comment_too_long",
        )
    return comment


def clean_comment(comment: str, *, required: bool, action: str = "request_changes") -> str:
    """The comment as a transition stores it; ValidationError when missing or too long (for
    callers that check one comment before applying it to several items)."""
    return _clean_comment(comment, required=required, action=action)


def _state_changed(policy: registry.Policy, obj, current: str) -> ValidationError:
    return ValidationError(
        _(
            "Someone else has already decided on “%(title)s” (it is now “%(state)s”). "
            "Reload the page to see where it stands."
        )
        % {"title": policy.label(obj), "state": _state_label(current)},
        code="state_changed",
    )


def _send_signal(model, **kwargs) -> None:
    for receiver, result in transitioned.send_robust(sender=model, **kwargs):
        if isinstance(result, Exception):
            # A failing notification must not undo a decision that is already committed.
            log.error(
                "workflow receiver %r failed for %s", receiver, kwargs["action"], exc_info=result
            )


def _perform(action: str, actor, obj, comment: str = "", *, comment_required: bool = False):
    transition = TRANSITIONS[action]
    policy = registry.policy_for(obj)
    comment = _clean_comment(comment, required=comment_required, action=action)
    _check(policy, transition, actor, obj)
    from_state = obj.state
    now = timezone.now()
    changes: dict[str, object] = {"state": transition.target}
    if action == "submit":
        changes["submitted_at"] = now
        changes["review_comment"] = ""
    elif action == "approve":
        changes["published_at"] = now
        changes["review_comment"] = comment
    elif action in ("request_changes", "withdraw", "decline"):
        changes["review_comment"] = comment
    model = type(obj)
    user = actor if isinstance(actor, get_user_model()) and actor.pk is not None else None
    if policy.engine_managed:
        return _perform_in_engine(policy, transition, user, obj, comment, from_state)
    with transaction.atomic():
        updated = model._default_manager.filter(pk=obj.pk, state=from_state).update(**changes)
        if not updated:
            current = (
                model._default_manager.filter(pk=obj.pk).values_list("state", flat=True).first()
            )
            raise _state_changed(policy, obj, current or "")
        for name, value in changes.items():
            setattr(obj, name, value)
        ReviewEvent.objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=str(obj.pk),
            action=action,
            from_state=from_state,
            to_state=transition.target,
            actor=user,
            comment=comment,
            created_at=now,
        )
        with actor_context(user):
            log_event(obj, {"state": [from_state, transition.target]})
        policy.after_transition(obj, action, from_state, transition.target)
        signal_kwargs = {
            "instance": obj,
            "action": action,
            "from_state": from_state,
            "to_state": transition.target,
            "actor": user,
            "comment": comment,
        }
        transaction.on_commit(lambda: _send_signal(model, **signal_kwargs))
    return obj


def _perform_in_engine(policy, transition: Transition, user, obj, comment: str, from_state: str):
    """The engine moves the object and keeps its history and audit (Policy.engine_managed);
    the workflow only checked the step and tells its receivers after commit."""
    with transaction.atomic():
        if not policy.apply_transition(transition.name, user, obj, comment):
            current = type(obj)._default_manager.filter(pk=obj.pk).first()
            raise _state_changed(policy, obj, current.state if current is not None else "")
        signal_kwargs = {
            "instance": obj,
            "action": transition.name,
            "from_state": from_state,
            "to_state": transition.target,
            "actor": user,
            "comment": comment,
        }
        transaction.on_commit(lambda: _send_signal(type(obj), **signal_kwargs))
    return obj


def submit(actor, obj, comment: str = ""):
    """Draft (or sent back, or withdrawn) → in review. The uploader or an administrator."""
    return _perform("submit", actor, obj, comment)


def approve(actor, obj, comment: str = ""):
    """In review → published. Needs the right to publish, not only to review."""
    return _perform("approve", actor, obj, comment)


def request_changes(actor, obj, comment: str):
    """In review → changes requested, with a comment saying what to change."""
    return _perform("request_changes", actor, obj, comment, comment_required=True)


def decline(actor, obj, comment: str):
    """In review → declined, final, with a comment saying why. Only for models whose policy
    allows it (``Policy.may_decline``)."""
    return _perform("decline", actor, obj, comment, comment_required=True)


def withdraw(actor, obj, comment: str = ""):
    """Published or in review → withdrawn: the owner pulls it back, or a reviewer takes it
    down."""
    return _perform("withdraw", actor, obj, comment)


def reopen(actor, obj):
    """Withdrawn or sent back → draft, for the owner to edit before submitting again."""
    return _perform("reopen", actor, obj)


def perform(action: str, actor, obj, comment: str = "", *, expected_state: str = ""):
    """Run the transition named ``action`` (for views); KeyError for an unknown name.

    ``expected_state`` is the state the actor saw on the page: if the object has moved on
    since, they are told someone else decided rather than why the step no longer applies.
    """
    if action not in TRANSITIONS:
        raise KeyError(action)
    if expected_state and obj.state != expected_state:
        raise _state_changed(registry.policy_for(obj), obj, obj.state)
    required = action in COMMENT_REQUIRED
    return _perform(action, actor, obj, comment, comment_required=required)
