"""One decision on several items of the review queue at once, with a result per item.

Each item goes through ``transitions.perform`` on its own (permission, state, audit, its
own transaction): one refusal does not undo the others, and every refusal is reported
against the item it concerns. Items are named by their queue key, ``app_label.model:pk``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from edu_portal.workflow import registry, transitions

# What a reviewer may do to many items at once (both start from "in review").
BULK_ACTIONS = ("approve", "request_changes")
MAX_ITEMS = 100


@dataclass
class BulkResult:
    done: list[tuple[str, str]] = field(default_factory=list)  # (key, label)
    errors: dict[str, str] = field(default_factory=dict)  # key → sentence


def item_key(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _not_found() -> str:
    return _("This item was not found, or it is not yours to review.")


def _load(actor, key: str):
    """The object named by ``key`` if ``actor`` may see it, else None (the same answer
    for a missing id and for someone else's draft, so neither can be told apart)."""
    label, _sep, pk = key.rpartition(":")
    model = registry.model_for_label(label)
    if model is None or not pk:
        return None
    try:
        obj = model._default_manager.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        return None
    return obj if registry.policy_for(model).may_view(actor, obj) else None


def check_request(action: str, keys: list[str], comment: str) -> None:
    """Refuse the request as a whole (nothing done) when it cannot apply to any item."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Choose “Approve and publish” or “Request changes”."))
    if not keys:
        raise ValidationError(_("Tick at least one item first."), code="no_items")
    if len(keys) > MAX_ITEMS:
        raise ValidationError(
            _("At most %(max)d items at once, please.") % {"max": MAX_ITEMS}, code="too_many"
        )
    if action in transitions.COMMENT_REQUIRED:
        # One comment for all: if it is missing, say so once, not once per item.
        transitions.clean_comment(comment, required=True, action=action)


def perform_many(actor, action: str, keys: list[str], comment: str = "") -> BulkResult:
    """``action`` on every item named in ``keys``; ValidationError (nothing done) when the
    request itself is wrong, else a result per item."""
    keys = list(dict.fromkeys(keys))  # a key sent twice is decided once
    check_request(action, keys, comment)
    result = BulkResult()
    for key in keys:
        obj = _load(actor, key)
        if obj is None:
            result.errors[key] = _not_found()
            continue
        try:
            # No expected state: the transition's own check says what applies ("only items
            # in review …, this one is published"), and its conditional update still
            # catches a reviewer who decides at the same moment.
            transitions.perform(action, actor, obj, comment)
        except PermissionDenied as refusal:
            result.errors[key] = str(refusal)
        except ValidationError as error:
            result.errors[key] = " ".join(error.messages)
        else:
            result.done.append((key, registry.policy_for(obj).label(obj)))
    return result
