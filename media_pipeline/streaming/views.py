"""Streaming endpoints: the master playlist (full access policy), the signed parts of the
output set (token only), nginx's token check, processing status and downloads."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from catalog import kinds
from catalog.models import Resource
from edu_portal.access import AccessDenied, binding
from edu_portal.accounts.audit import log_event
from edu_portal.storage import ObjectNotFound, StorageUnavailable, get_storage
from edu_portal.storage.serving import serve_stored, unavailable
from media_pipeline.streaming import playlists, policy
from media_pipeline.transcode import MASTER_NAME

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
# Playlists carry personal tokens: never kept by any cache.
NO_STORE = "private, no-store"
# Larger than any playlist we write (a 10-hour lesson at 4 s segments is ~300 KB).
MAX_PLAYLIST_BYTES = 4 * 1024 * 1024
_AUTH_PATH = re.compile(r"/stream/(\d{1,18})/(\d{1,18})/(.+)", re.ASCII)
# How long nginx may reuse a "yes" for the same URL (bounded by the token's own expiry).
AUTH_CACHE_SECONDS = 60


def _plain(status: int, message: str, **headers: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _read_text(key: str) -> str:
    storage = get_storage()
    info = storage.stat(key)
    if info.size > MAX_PLAYLIST_BYTES:
        raise ObjectNotFound(key)
    return storage.get_bytes(key).decode("utf-8")


@require_safe
def master(request: HttpRequest, pk: int) -> HttpResponse:
    """``/stream/<id>/master.m3u8``: the policy applies here; what it lists is signed."""
    try:
        resource = policy.watchable(request, pk)
    except policy.ResourceGone:
        return _plain(410, _("This video has been removed."))
    except policy.NotReady:
        return _plain(409, _("This video is still being processed."), Retry_After="30")
    token = policy.stream_token(request, resource)
    try:
        text = _read_text(resource.output_prefix + MASTER_NAME)
    except ObjectNotFound:
        raise Http404(_("The published video is missing.")) from None
    except StorageUnavailable:
        return unavailable()
    body = playlists.sign_playlist(
        text, prefix=f"{policy.output_set(resource)}/", query=urlencode(token)
    )
    response = HttpResponse(body, content_type=PLAYLIST_TYPE)
    response["Cache-Control"] = NO_STORE
    return response


@require_safe
def part(request: HttpRequest, pk: int, output: int, name: str) -> HttpResponse:
    """``/stream/<id>/<set>/<name>?exp=…&sig=…``: token only, no database.

    Rendition playlists and the thumbnail track are signed again on the way out; every
    other part (init segments, media segments, poster, sprite) is served with ranges.
    """
    if not policy.PART_NAME.fullmatch(name):
        raise Http404(_("No such part of this video."))
    remaining = policy.verify_stream_token(request, pk, request.GET)
    key = f"hls/{pk}/{output}/{name}"
    if not name.endswith((".m3u8", ".vtt")):
        return serve_stored(request, key, cache_control=f"private, max-age={remaining}")
    try:
        text = _read_text(key)
    except ObjectNotFound:
        raise Http404(_("No such part of this video.")) from None
    except StorageUnavailable:
        return unavailable()
    # The same token goes on: it is bound to the resource, not to one file.
    query = urlencode({k: request.GET[k] for k in ("exp", "sig", "ipb") if k in request.GET})
    if name.endswith(".m3u8"):
        body = playlists.sign_playlist(text, prefix="", query=query)
        content_type = PLAYLIST_TYPE
    else:
        # Cues name their sprite relative to the track: prefix the track's own directory.
        base = reverse("streaming:part", args=[pk, output, name]).rpartition("/")[0] + "/"
        body = playlists.sign_thumbnail_track(text, base=base, query=query)
        content_type = "text/vtt; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = NO_STORE
    return response


@require_safe
def auth(request: HttpRequest) -> HttpResponse:
    """nginx ``auth_request``: may the client have ``X-Original-URI``? 204 or 403.

    The answer depends only on the URL's token (and the client address when tokens are
    bound to it), so nginx may cache a "yes" for ``X-Accel-Expires`` seconds.
    """
    original = urlsplit(request.META.get("HTTP_X_ORIGINAL_URI", ""))
    match = _AUTH_PATH.fullmatch(original.path)
    if not match or not policy.PART_NAME.fullmatch(match[3]):
        return _plain(403, "bad path", X_Accel_Expires="0")
    params = dict(parse_qsl(original.query, max_num_fields=10))
    try:
        remaining = policy.verify_stream_token(request, int(match[1]), params)
    except AccessDenied as denied:
        return _plain(403, denied.code, X_Accel_Expires="0")
    response = HttpResponse(status=204)
    response["X-Accel-Expires"] = str(min(AUTH_CACHE_SECONDS, remaining))
    return response


@require_safe
def status(request: HttpRequest, pk: int) -> JsonResponse:
    """Processing progress for the "still processing" page (same policy as the player)."""
    try:
        resource = policy.watchable(request, pk, need_ready=False)
    except policy.ResourceGone:
        return JsonResponse(
            {"detail": _("This video has been removed."), "code": "gone"}, status=410
        )
    except AccessDenied as denied:
        body = {"detail": denied.message, "code": denied.code, "hint": denied.hint}
        return JsonResponse(body, status=403)
    job = resource.jobs.order_by("-created_at", "-pk").first()
    ready = kinds.link(resource, "stream") is not None
    failed = not ready and resource.status == Resource.Status.FAILED
    message = ""
    if failed:
        message = (
            job.error_message
            if job and policy.can_see_stats(request.user, resource)
            else _("This video could not be prepared for playback.")
        )
    body = {
        "status": resource.status,
        "ready": ready,
        "failed": failed,
        "percent": 100 if ready else (job.percent if job else 0),
        "message": message,
    }
    response = JsonResponse(body)
    response["Cache-Control"] = NO_STORE
    return response


def _download_name(resource: Resource, variant: str) -> str:
    if variant == "original" and resource.source_filename:
        return resource.source_filename
    stem = get_valid_filename(resource.title) or f"video-{resource.pk}"
    return f"{stem}.mp4" if variant == "mp4" else stem


@require_safe
def download(request: HttpRequest, pk: int, variant: str) -> HttpResponse:
    """The original file or the MP4 copy, for roles that may download: a redirect to a
    short-lived link of the store, after the policy and an audit entry."""
    if variant not in ("original", "mp4"):
        raise Http404(_("No such download."))
    try:
        resource = policy.watchable(request, pk, need_ready=variant == "mp4")
    except policy.ResourceGone:
        return _plain(410, _("This video has been removed."))
    except policy.NotReady:
        return _plain(409, _("This video is still being processed."), Retry_After="30")
    policy.require_download(request, resource)
    key = resource.source_key if variant == "original" else resource.mp4_key
    if not key:
        raise Http404(_("This download is not available for this video."))
    log_event(resource, {"download": [None, variant]})
    url = get_storage().presigned_get(
        key,
        settings.SIGNED_URL_TTL,
        filename=_download_name(resource, variant),
        bind=binding(request),
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = NO_STORE
    return response
