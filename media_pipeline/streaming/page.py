"""The watch page ``/watch/<id>/``: the player, or why there is nothing to play yet.

The access policy is the one of the master playlist (``policy.watchable``); the page only
hands the player what it needs (signed poster and thumbnail track, the master URL, the
translated strings) and adds what the viewer's role may do (downloads, statistics).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from catalog import kinds
from catalog.models import Resource
from media_pipeline.artwork import POSTER_NAME, VTT_NAME
from media_pipeline.downloads import mp4_label, original_label, published_job
from media_pipeline.streaming import policy
from media_pipeline.streaming.positions import saved_position
from media_pipeline.streaming.stats import resource_stats

# Resuming this close to the end would only show the last frame: start again instead.
RESUME_MARGIN_SECONDS = 10
STATUS_POLL_MS = 3000
PLAYABLE_KINDS = (Resource.Kind.VIDEO, Resource.Kind.AUDIO)


def format_clock(seconds: float | None) -> str:
    """``h:mm:ss`` or ``m:ss``, as the player shows times."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_hours_minutes(seconds: float) -> str:
    """Total watch time as ``h:mm`` (hours may exceed 24)."""
    minutes = int(seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def start_position(saved: float | None, duration: float | None) -> float:
    if not saved or saved <= 0:
        return 0.0
    if duration and saved >= duration - RESUME_MARGIN_SECONDS:
        return 0.0
    return round(float(saved), 3)


def _player_text() -> dict[str, str]:
    """Every string player.js shows, translated here (JavaScript has no catalogue)."""
    return {
        "play": _("Play"),
        "pause": _("Pause"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "fullscreen": _("Full screen"),
        "exitFullscreen": _("Exit full screen"),
        "auto": _("Auto"),
        "autoWith": _("Auto ({quality})"),
        "notSupported": _(
            "This browser cannot play the video. Try a current version of Chrome, Edge, "
            "Firefox or Safari."
        ),
        "failed": _("The video could not be played. Reload the page to try again."),
        "refused": _("You may no longer watch this video here. Reload the page to see why."),
        "networkFailed": _(
            "The connection to the server was lost. Check your network and reload the page."
        ),
    }


def _processing_text() -> dict[str, str]:
    return {
        "progress": _("Preparing the video for playing: {percent}%"),
        "ready": _("The video is ready. Loading the player…"),
        "failed": _("This video could not be prepared for playback."),
        "trouble": _("Cannot reach the server to ask how far it is; trying again…"),
    }


@never_cache
@require_safe
def watch(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        resource = policy.watchable(request, pk, need_ready=False)
    except policy.ResourceGone:
        context = {
            "gone_title": _("This video has been removed"),
            "gone_why": _(
                "The uploader or an administrator deleted it, so it can no longer be watched."
            ),
        }
        return render(request, "410.html", context, status=410)
    if resource.kind not in PLAYABLE_KINDS:
        raise Http404(_("This resource is not a video or an audio recording."))
    status_url = reverse("streaming:status", args=[resource.pk])
    if kinds.link(resource, "stream") is None or policy.output_set(resource) is None:
        return _processing(request, resource, status_url)
    return _player(request, resource, status_url)


def _processing(request: HttpRequest, resource: Resource, status_url: str) -> HttpResponse:
    failed = resource.status == Resource.Status.FAILED
    job = resource.jobs.order_by("-created_at", "-pk").first()
    config = {
        "statusUrl": status_url,
        "pollMs": STATUS_POLL_MS,
        "failed": failed,
        "text": _processing_text(),
    }
    percent = int(job.percent) if job and not failed else 0
    context = {
        "resource": resource,
        "failed": failed,
        "percent": percent,
        "progress_text": config["text"]["progress"].replace("{percent}", str(percent)),
        "config": config,
    }
    return render(request, "streaming/processing.html", context)


def player_context(request: HttpRequest, resource: Resource) -> dict | None:
    """What ``streaming/_player.html`` and player.js need, or None when there is nothing
    to play yet. The caller has applied the access policy (``watchable`` or
    ``catalog.policy.require_view``)."""
    if resource.kind not in PLAYABLE_KINDS:
        return None
    if kinds.link(resource, "stream") is None or policy.output_set(resource) is None:
        return None
    user = request.user
    token = policy.stream_token(request, resource)
    signed_in = user.is_authenticated
    saved = saved_position(user, resource) if signed_in else None
    start = start_position(saved, resource.duration)
    is_video = resource.kind == Resource.Kind.VIDEO
    config = {
        "masterUrl": reverse("streaming:master", args=[resource.pk]),
        # Audio has a poster but no thumbnail sprite.
        "thumbnailsUrl": policy.part_url(resource, VTT_NAME, token) if is_video else "",
        "positionUrl": reverse("streaming:position", args=[resource.pk]) if signed_in else "",
        "beaconUrl": reverse("streaming:beacon", args=[resource.pk]),
        "csrfToken": get_token(request),
        "startAt": start,
        "duration": resource.duration or 0,
        "resumeMargin": RESUME_MARGIN_SECONDS,
        "text": _player_text(),
    }
    return {
        "resource": resource,
        "is_video": is_video,
        "poster_url": policy.part_url(resource, POSTER_NAME, token) if resource.poster_key else "",
        "duration_label": format_clock(resource.duration) if resource.duration else "",
        "resume_label": format_clock(start) if start else "",
        "config": config,
    }


def _player(request: HttpRequest, resource: Resource, status_url: str) -> HttpResponse:
    user = request.user
    context = player_context(request, resource)
    if context is None:  # the output set went away between the two checks
        return _processing(request, resource, status_url)
    downloads = []
    if policy.can_download(user, resource):
        job = published_job(resource)
        if resource.source_key:
            downloads.append(
                (
                    reverse("streaming:download", args=[resource.pk, "original"]),
                    original_label(resource, job),
                )
            )
        if resource.mp4_key:
            downloads.append(
                (reverse("streaming:download", args=[resource.pk, "mp4"]), mp4_label(resource, job))
            )
    stats = None
    if policy.can_see_stats(user, resource):
        numbers = resource_stats(resource)
        stats = {
            "plays": numbers["plays"],
            "unique_viewers": numbers["unique_viewers"],
            "watch_time": format_hours_minutes(numbers["watch_seconds"]),
        }
    context.update(downloads=downloads, stats=stats)
    return render(request, "streaming/watch.html", context)
