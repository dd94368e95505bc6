"""The platform's part of the portal's home page: what is new among the teaching resources
and what teachers download most, as the site shell's home view showed before the portal
moved onto Wagtail."""

from __future__ import annotations

from django.http import HttpRequest

HOME_LIST_SIZE = 6


def resource_lists(request: HttpRequest) -> dict[str, object]:
    """Published resources the visitor may open, at most six of each list (two indexed
    queries). A signed-in student sees their own grade first in both lists, then the rest of
    its stage, then the other stages: a first-grader meets 小学 material before 初中."""
    from catalog.audience import favour_for, favour_order
    from catalog.kinds import with_thumbnails
    from catalog.models import Resource
    from catalog.policy import visible_levels

    published = (
        Resource.objects.filter(
            state="published", deleted_at__isnull=True, visibility__in=visible_levels(request)
        )
        .exclude(kind=Resource.Kind.EBOOK, ebook__isnull=True)
        .select_related("subject", "org_unit", "uploader")
    )
    published = with_thumbnails(published)
    favour = favour_for(request.user)
    newest = favour_order(published, favour, "-published_at", "-pk")
    popular = favour_order(published.filter(download_count__gt=0), favour, "-download_count", "-pk")
    return {
        "newest": list(newest[:HOME_LIST_SIZE]),
        "popular": list(popular[:HOME_LIST_SIZE]),
        "favour": favour,
    }
