"""Serving stored objects to the holder of a signed link, with HTTP byte ranges.

This is what ``FilesystemStorage.presigned_get`` links to: the link's HMAC token (see
``edu_portal.access``) is the whole access check, because whoever made the link already
applied the visibility policy. The byte-range handling lives in ``edu_portal.storage.serving``.
"""

from __future__ import annotations

import time

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from edu_portal.access import client_ip, verify_token
from edu_portal.storage import InvalidKey, validate_key
from edu_portal.storage.fs import object_scope
from edu_portal.storage.serving import RangeNotSatisfiable, parse_range, serve_stored

__all__ = ["RangeNotSatisfiable", "parse_range", "serve_object"]


@require_safe
def serve_object(request: HttpRequest, key: str) -> HttpResponse:
    try:
        validate_key(key)
    except InvalidKey:
        raise Http404("No such object.") from None
    filename = request.GET.get("fn") or None
    verify_token(
        object_scope(key, filename),
        request.GET,
        ip=client_ip(request),
        user=getattr(request, "user", None),
    )
    # The link is someone's personal permission: no shared cache may keep the bytes, and
    # the browser only as long as the link itself is valid.
    remaining = max(0, int(request.GET.get("exp", "0")) - int(time.time()))
    return serve_stored(
        request, key, cache_control=f"private, max-age={remaining}", filename=filename
    )
