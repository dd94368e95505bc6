"""What the author said when submitting: the comment of the submit step that put an item
in review ("what I changed"), for the reviewer's queue."""

from __future__ import annotations

from edu_portal.workflow.models import State, steps_of


def author_note(obj) -> str:
    """The note of the submission now in review, or "" (not in review, or no note)."""
    if obj.state != State.IN_REVIEW:
        return ""
    latest = steps_of(obj).order_by("-created_at", "-pk").values_list("action", "comment").first()
    if latest is None or latest[0] != "submit":
        return ""
    return latest[1]
