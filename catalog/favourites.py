"""Favourites (收藏): resources a signed-in user keeps to find again.

Actions (``add``, ``remove``) check that the user may view the resource now and audit the
change; ``listing`` gives the user's favourites with, for each, whether it can still be
opened: one withdrawn, deleted or out of reach from here shows as unavailable, without its
title or any other content. The page ``/resources/favourites/`` and the toggle button
(a plain form; ``catalog/favourites.js`` sends it without a reload) are here too; the API
is ``catalog.api.favourites``.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog import kinds, policy
from catalog.models import Favourite, Resource
from edu_portal.accounts.audit import log_event

PER_PAGE = 20
_REQUEST_CACHE = "_favourite_ids"


# --- actions ------------------------------------------------------------------------------


def add(request: HttpRequest, resource: Resource) -> tuple[Favourite, bool]:
    """Keep ``resource`` for the request's user; ``(favourite, created)``. Raises what
    ``policy.require_view`` raises (404 for a draft that is not theirs to see)."""
    policy.require_view(request, resource)
    user = request.user
    try:
        with transaction.atomic():
            favourite, created = Favourite.objects.get_or_create(user=user, resource=resource)
            if created:
                log_event(favourite, {"resource": [None, resource.pk]}, LogEntry.Action.CREATE)
    except IntegrityError:  # the same click twice at once: the other request made it
        return Favourite.objects.get(user=user, resource=resource), False
    _forget_cache(request)
    return favourite, created


def remove(request: HttpRequest, resource_id: int) -> bool:
    """Drop a favourite (also one of a resource the user can no longer see); True if
    there was one."""
    favourite = Favourite.objects.filter(user=request.user, resource_id=resource_id).first()
    if favourite is None:
        return False
    with transaction.atomic():
        log_event(favourite, {"resource": [resource_id, None]}, LogEntry.Action.DELETE)
        favourite.delete()
    _forget_cache(request)
    return True


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    favourite: Favourite
    available: bool

    @property
    def resource(self) -> Resource | None:
        """The resource, only when the user may open it (nothing of it otherwise)."""
        return self.favourite.resource if self.available else None


def may_view(request: HttpRequest, resource: Resource) -> bool:
    return not resource.is_deleted and policy.can_view(request, resource)


def favourites_of(user):
    return (
        Favourite.objects.filter(user=user)
        .select_related("resource__subject", "resource__org_unit", "resource__uploader")
        .order_by("-created_at", "-pk")
    )


def entries(request: HttpRequest, favourites) -> list[Entry]:
    resources = kinds.with_thumbnails(
        Resource.objects.filter(pk__in=[f.resource_id for f in favourites])
    )
    by_id = {resource.pk: resource for resource in resources}
    result = []
    for favourite in favourites:
        favourite.resource = by_id[favourite.resource_id]
        result.append(Entry(favourite, may_view(request, favourite.resource)))
    return result


def ids_for_request(request: HttpRequest) -> set[int]:
    """The ids of the resources the request's user keeps, read once per request."""
    ids = getattr(request, _REQUEST_CACHE, None)
    if ids is None:
        ids = set(Favourite.objects.filter(user=request.user).values_list("resource_id", flat=True))
        setattr(request, _REQUEST_CACHE, ids)
    return ids


def _forget_cache(request: HttpRequest) -> None:
    if hasattr(request, _REQUEST_CACHE):
        delattr(request, _REQUEST_CACHE)


# --- pages --------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """The button: ``action`` add or remove (explicit, so a form sent twice does not undo
    itself), back to ``next``; JSON ``{"favourite": bool}`` for the script."""
    action = request.POST.get("action")
    if action == "remove":
        remove(request, pk)
        favourite = False
    else:
        resource = get_object_or_404(Resource, pk=pk, deleted_at__isnull=True)
        add(request, resource)
        favourite = True
    if _wants_json(request):
        return JsonResponse({"resource": pk, "favourite": favourite})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "catalog:favourites"
    return redirect(target)


@login_required
def page(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(favourites_of(request.user), PER_PAGE)
    current = paginator.get_page(request.GET.get("page"))
    context = {"page": current, "entries": entries(request, list(current.object_list))}
    return render(request, "catalog/favourites.html", context)
