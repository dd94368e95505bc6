"""Small JSON request bodies for the views the browser posts to (the e-book reader's and the
video player's positions, the statistics beacons): read a bounded JSON object, answer bad
input with a JSON ``{detail, code}`` error, and acknowledge with an empty 204. None of these
responses may be kept by a cache.
"""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

NO_STORE = "private, no-store"


class BadInput(Exception):
    """Input the view refuses with a 400: a machine-readable ``code`` and a ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_json_object(body: bytes, max_bytes: int) -> dict:
    """The JSON object in ``body``, or :class:`BadInput` (``too_large`` or ``bad_json``)."""
    if len(body) > max_bytes:
        raise BadInput("too_large", _("The request is too large."))
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadInput(
            "bad_json", _("The request could not be read: it is not valid JSON.")
        ) from None
    if not isinstance(data, dict):
        raise BadInput("bad_json", _("The request must be a JSON object."))
    return data


def json_error(
    status: int, code: str, detail: str, hint: str = "", *, ensure_ascii: bool = True
) -> JsonResponse:
    """``{"detail", "code"[, "hint"]}`` with ``status``, not to be cached."""
    body = {"detail": detail, "code": code}
    if hint:
        body["hint"] = hint
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": ensure_ascii})
    response["Cache-Control"] = NO_STORE
    return response


def no_content() -> HttpResponse:
    """An empty 204, not to be cached."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = NO_STORE
    return response
