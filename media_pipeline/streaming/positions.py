"""Resume positions: where a signed-in user stopped watching each resource.

One row per (user, resource), written with a single upsert (INSERT … ON CONFLICT UPDATE on
both SQLite and PostgreSQL), so two tabs saving at once never collide on the unique key.
"""

from __future__ import annotations

from django.utils import timezone

from catalog.models import Resource
from media_pipeline.streaming.models import PlaybackPosition


def clamp_position(resource: Resource, seconds: float) -> float:
    """``seconds`` within [0, duration] (no upper bound while the duration is unknown)."""
    seconds = max(seconds, 0.0)
    if resource.duration:
        seconds = min(seconds, float(resource.duration))
    return seconds


def save_position(user, resource: Resource, seconds: float) -> float:
    """Remember ``seconds`` (clamped) as ``user``'s position in ``resource``; returns it."""
    seconds = clamp_position(resource, seconds)
    PlaybackPosition.objects.bulk_create(
        [
            PlaybackPosition(
                user=user, resource=resource, position=seconds, updated_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "resource"],
        update_fields=["position", "updated_at"],
    )
    return seconds


def saved_position(user, resource: Resource) -> float | None:
    """The position ``user`` last saved in ``resource``, or None (anonymous, none saved)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        PlaybackPosition.objects.filter(user=user, resource=resource)
        .values_list("position", flat=True)
        .first()
    )
