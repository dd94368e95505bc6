"""Resources related to one: the same unit or lesson first, then the same subject and
grade, then shared tags. Published and visible to the viewer only; at most three small
queries, each stopping as soon as enough are found."""

from __future__ import annotations

from catalog.browse import published_visible
from catalog.models import Resource

LIMIT = 8


def related(request, resource: Resource, limit: int = LIMIT) -> list[Resource]:
    base = (
        published_visible(request)
        .exclude(pk=resource.pk)
        .select_related("subject", "uploader", "org_unit")
        .order_by("-published_at", "-pk")
    )
    picked: list[Resource] = []

    def take(qs) -> None:
        wanted = limit - len(picked)
        if wanted > 0:
            picked.extend(qs.exclude(pk__in=[r.pk for r in picked])[:wanted])

    if resource.textbook_node_id:
        take(base.filter(textbook_node_id=resource.textbook_node_id))
    if resource.subject_id and resource.grade:
        take(base.filter(subject_id=resource.subject_id, grade=resource.grade))
    if len(picked) < limit:
        tag_ids = list(resource.tags.values_list("pk", flat=True))
        if tag_ids:
            take(base.filter(tags__in=tag_ids).distinct())
    return picked
