"""The player's resume position and statistics beacons, and the statistics API.

Both player endpoints are plain Django views under the CSRF middleware (the page sends
``X-CSRFToken``; anonymous viewers have Django's CSRF cookie even without a session), and
both apply the same access policy as the master playlist: nothing is recorded about a
video the client may not watch. Errors are JSON ``{detail, code}`` like the API's.
"""

from __future__ import annotations

import math
import re

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog.models import Resource
from edu_portal.access import AccessDenied, client_ip
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.jsonbody import NO_STORE, BadInput, read_json_object
from edu_portal.jsonbody import json_error as _error
from edu_portal.jsonbody import no_content as _no_content
from media_pipeline.streaming import policy, positions, stats

# A beacon or a position is a few dozen bytes; anything much larger is not from the player.
MAX_BODY_BYTES = 2048
# The browser's viewer id is opaque (a UUID from localStorage); printable ASCII only.
_VIEWER_ID = re.compile(r"[\x21-\x7e]{1,64}", re.ASCII)
EVENTS = ("play", "progress")


def _watchable(request: HttpRequest, pk: int) -> Resource | JsonResponse:
    """The resource, or the JSON refusal to send instead."""
    try:
        return policy.watchable(request, pk)
    except Http404:
        return _error(404, "not_found", _("No such resource."))
    except policy.ResourceGone:
        return _error(410, "gone", _("This video has been removed."))
    except policy.NotReady:
        return _error(409, "not_ready", _("This video is still being processed."))
    except AccessDenied as denied:
        return _error(403, denied.code, denied.message, denied.hint)


def _json_object(request: HttpRequest) -> dict:
    return read_json_object(request.body, MAX_BODY_BYTES)


def _seconds(value, code: str, message: str) -> float:
    """A finite number (JSON true/false are not numbers here, although Python says so)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(code, message)
    value = float(value)
    if not math.isfinite(value):
        raise BadInput(code, message)
    return value


# --- resume position -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def position(request: HttpRequest, pk: int) -> HttpResponse:
    """``GET`` → ``{"position": seconds|null}``; ``POST {"position": seconds}`` → 204.

    Only signed-in users have positions; anonymous viewers get ``null`` and a 403 for a
    save, so the player can simply not offer to resume.
    """
    signed_in = request.user.is_authenticated
    if request.method == "POST" and not signed_in:
        return _error(
            403,
            "login_required",
            _("Sign in to continue watching where you left off."),
        )
    resource = _watchable(request, pk)
    if isinstance(resource, JsonResponse):
        return resource
    if request.method == "GET":
        response = JsonResponse({"position": positions.saved_position(request.user, resource)})
        response["Cache-Control"] = NO_STORE
        return response
    try:
        data = _json_object(request)
        message = _("The position must be a number of seconds.")
        if "position" not in data:
            raise BadInput("invalid_position", message)
        seconds = _seconds(data["position"], "invalid_position", message)
        if seconds < 0:
            raise BadInput("invalid_position", _("The position cannot be negative."))
    except BadInput as bad:
        return _error(400, bad.code, bad.message)
    positions.save_position(request.user, resource, seconds)
    return _no_content()


# --- statistics beacon ---------------------------------------------------------------------


@require_POST
def beacon(request: HttpRequest, pk: int) -> HttpResponse:
    """``POST {"viewer", "event": "play"|"progress", "seconds"}`` → 204, nothing written
    to the database here (see stats.py); also 204 for beacons beyond the limits against
    inflated figures, which are not counted."""
    resource = _watchable(request, pk)
    if isinstance(resource, JsonResponse):
        return resource
    try:
        data = _json_object(request)
        event = data.get("event")
        if event not in EVENTS:
            raise BadInput("invalid_event", _('The event must be "play" or "progress".'))
        seconds = 0.0
        if data.get("seconds") is not None:
            seconds = _seconds(
                data["seconds"],
                "invalid_seconds",
                _("The watched time must be a number of seconds."),
            )
        # The player sends "" when the browser refuses localStorage: no id, not bad input.
        viewer = data.get("viewer") or None
        if viewer is not None and not (isinstance(viewer, str) and _VIEWER_ID.fullmatch(viewer)):
            raise BadInput(
                "invalid_viewer",
                _("The viewer id must be text of at most 64 characters without spaces."),
            )
    except BadInput as bad:
        return _error(400, bad.code, bad.message)
    ip = client_ip(request)
    key = stats.viewer_key(request.user, viewer, ip, request.headers.get("user-agent", ""))
    # Beyond the limits (stats.admit_beacon) the beacon is ignored but still answered 204.
    counted, play = stats.admit_beacon(resource.pk, key, ip, play=event == "play")
    if counted:
        stats.record_beacon(resource.pk, key, play=play, seconds=seconds)
    return _no_content()


# --- statistics API ------------------------------------------------------------------------


class ViewingStatsDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    plays = serializers.IntegerField()
    watch_seconds = serializers.FloatField()


class ViewingStatsSerializer(serializers.Serializer):
    plays = serializers.IntegerField(help_text="Times playback was started, all time.")
    unique_viewers = serializers.IntegerField(
        help_text="Distinct viewers: signed-in users, and browsers of anonymous viewers."
    )
    watch_seconds = serializers.FloatField(help_text="Total time watched, in seconds.")
    daily = ViewingStatsDaySerializer(
        many=True, help_text="The last 30 days, oldest first; days without views are zeros."
    )


class ResourceStats(ActionAPIView):
    """Viewing statistics of a resource, for its uploader and bureau administrators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ViewingStatsSerializer}, summary="Viewing statistics")
    def get(self, request, pk: int):
        resource = get_object_or_404(Resource, pk=pk)
        if not policy.can_see_stats(request.user, resource):
            self.permission_denied(
                request,
                message=_(
                    "Only the uploader of this resource and administrators can see its "
                    "viewing statistics."
                ),
            )
        response = Response(ViewingStatsSerializer(stats.stats_with_daily(resource)).data)
        response["Cache-Control"] = NO_STORE
        return response
