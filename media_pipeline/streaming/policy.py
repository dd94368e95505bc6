"""Who may watch or download a resource, and the tokens its playlists carry.

The master playlist and the player page apply the full access policy (visibility,
intranet networks, remote access); everything the player fetches after that carries a
short-lived HMAC token bound to the resource (and, when configured, to the client's
address). Checking a token needs no database, which is what lets nginx's ``auth_request``
(and the Django fallback) answer segment requests cheaply.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import kinds
from catalog import policy as catalog_policy
from catalog.models import Resource
from edu_portal.access import AccessDenied, binding, client_ip, make_token, verify_token

# A part of a published output set: "master.m3u8", "poster.jpg", "720p/seg_00001.m4s".
# Nothing else is ever served, so "..", "%2e%2e", absolute paths and odd names are 404.
PART_NAME = re.compile(
    r"(?:[A-Za-z0-9_-]{1,32}/)?[A-Za-z0-9_-]{1,64}\.(?:m3u8|m4s|mp4|jpg|vtt)", re.ASCII
)
_OUTPUT_PREFIX = re.compile(r"hls/(\d+)/(\d+)/")


class ResourceGone(Exception):
    """The resource existed and was deleted: 410, "removed", not "never existed"."""

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource.pk)
        self.resource = resource


class NotReady(Exception):
    """The resource may be watched but has no playable output yet (or processing failed)."""

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource.pk)
        self.resource = resource


def stream_scope(resource_id: int) -> str:
    return f"stream:{resource_id}"


def output_set(resource: Resource) -> int | None:
    """The job id naming the published output set (``hls/<resource>/<set>/``)."""
    match = _OUTPUT_PREFIX.fullmatch(resource.output_prefix or "")
    return int(match[2]) if match and int(match[1]) == resource.pk else None


def get_resource(resource_id: int) -> Resource:
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise Http404(_("No such resource."))
    if resource.is_deleted:
        raise ResourceGone(resource)
    return resource


def watchable(request: HttpRequest, resource_id: int, *, need_ready: bool = True) -> Resource:
    """The resource, if the client of ``request`` may watch it.

    Raises Http404 (unknown), ResourceGone (deleted), AccessDenied (policy, with the
    reason for the person) or, with ``need_ready``, NotReady.
    """
    resource = get_resource(resource_id)
    catalog_policy.require_view(request, resource)
    if need_ready and (kinds.link(resource, "stream") is None or output_set(resource) is None):
        raise NotReady(resource)
    return resource


def stream_token(request: HttpRequest, resource: Resource) -> dict[str, str]:
    """Query parameters for the parts of ``resource``'s output, valid STREAM_TOKEN_TTL."""
    bound = binding(request)
    return make_token(stream_scope(resource.pk), ttl=settings.STREAM_TOKEN_TTL, **bound)


def verify_stream_token(request: HttpRequest, resource_id: int, params) -> int:
    """Raise BadToken (a 403 with its reason) unless ``params`` hold a valid token for the
    resource; return the seconds it has left."""
    verify_token(
        stream_scope(resource_id),
        params,
        ip=client_ip(request),
        user=getattr(request, "user", None),
    )
    return max(0, int(params.get("exp")) - int(time.time()))


def part_url(resource: Resource, name: str, token: dict[str, str]) -> str:
    """The site-relative, signed URL of one part of the published output."""
    path = reverse("streaming:part", args=[resource.pk, output_set(resource), name])
    return f"{path}?{urlencode(token)}"


def can_download(user, resource: Resource) -> bool:
    """(The network and publication policy has been applied already by ``watchable``.)"""
    return catalog_policy.can_download(user, resource)


def require_download(request: HttpRequest, resource: Resource) -> None:
    user = getattr(request, "user", None)
    if can_download(user, resource):
        return
    if user is None or not user.is_authenticated:
        raise AccessDenied(
            "login_required",
            _("Only signed-in teachers can download this video."),
            _("Sign in with your staff account to download it."),
        )
    raise AccessDenied(
        "download_not_allowed",
        _("Your account may watch this video but not download it."),
        _("Downloads are for teachers and staff. Ask your school administrator if you need it."),
    )


def can_see_stats(user, resource: Resource) -> bool:
    """Viewing statistics are for those who manage the resource (uploader, administrators)."""
    return catalog_policy.can_manage(user, resource)
