"""What the author said when submitting: the comment of the submit step that put an item
in review ("what I changed"), for the reviewer's queue."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from edu_portal.workflow.models import ReviewEvent, State


def author_note(obj) -> str:
    """The note of the submission now in review, or "" (not in review, or no note)."""
    if obj.state != State.IN_REVIEW:
        return ""
    latest = (
        ReviewEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )
        .order_by("-created_at", "-pk")
        .values_list("action", "comment")
        .first()
    )
    if latest is None or latest[0] != "submit":
        return ""
    return latest[1]
