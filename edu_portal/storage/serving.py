"""Answering a GET or HEAD for one stored object, with HTTP byte ranges.

Shared by the signed ``/objects/`` links and the streaming views. Video players and
download managers need ``Range``: a single range is answered with 206, anything
unparseable falls back to the whole object (RFC 9110 lets a server ignore Range), and a
range past the end is 416, never a 500. Bytes are streamed from the store in chunks; a
filesystem store hands its file to the WSGI server, which can then use sendfile.
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date

from edu_portal.storage import ObjectInfo, ObjectNotFound, StorageUnavailable, get_storage

# At most 30 digits: int() of a huge digit string is slow and, past 4300 digits, raises.
_RANGE_SPEC = re.compile(r"\s*(\d{0,30})\s*-\s*(\d{0,30})\s*", re.ASCII)
# Types a browser would run as a page on our origin: always downloaded, never shown.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
}


# A stored type becomes a response header: only ``type/subtype`` with printable parameters
# is sent as it is; anything else (a CR or LF from an old upload, say) is served as bytes.
_CONTENT_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
    r"( *;[\x20-\x7e]*)?",
    re.ASCII,
)
FALLBACK_CONTENT_TYPE = "application/octet-stream"


def safe_content_type(value: str | None) -> str:
    """``value`` if it is a well-formed media type, else application/octet-stream."""
    if value and len(value) <= 255 and _CONTENT_TYPE.fullmatch(value):
        return value
    return FALLBACK_CONTENT_TYPE


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The half-open byte range ``(start, end)`` asked for by a ``Range`` header.

    None means "send the whole object": a malformed header, another unit, or several
    ranges (multipart/byteranges is not offered). Raises RangeNotSatisfiable for a
    well-formed range that lies wholly past the end, or a zero-length suffix.
    """
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes" or "," in specs:
        return None
    match = _RANGE_SPEC.fullmatch(specs)
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # "-N": the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size
    start = int(first)
    if last and int(last) < start:
        return None  # "5-2" is invalid syntax, which means: ignore the header
    if start >= size:
        raise RangeNotSatisfiable
    end = size if not last else min(int(last) + 1, size)
    return start, end


def _range_applies(request: HttpRequest, etag: str, last_modified: str) -> bool:
    """If-Range: only resume a download of the very same version of the object."""
    if_range = request.META.get("HTTP_IF_RANGE", "").strip()
    return not if_range or if_range in (etag, last_modified)


def unavailable() -> HttpResponse:
    response = HttpResponse("Storage temporarily unavailable.", status=503)
    response["Retry-After"] = "30"
    return response


def serve_stored(
    request: HttpRequest,
    key: str,
    *,
    cache_control: str,
    filename: str | None = None,
    info: ObjectInfo | None = None,
) -> HttpResponse:
    """The object at ``key`` (or the asked-for range of it) for a GET or HEAD.

    The caller has already decided that the client may have it. ``filename`` makes the
    browser save the bytes under that name instead of showing them.
    """
    storage = get_storage()
    if info is None:
        try:
            info = storage.stat(key)
        except ObjectNotFound:
            raise Http404("No such object.") from None
        except StorageUnavailable:
            return unavailable()

    etag = f'"{info.etag}"'
    last_modified = http_date(info.modified.timestamp())
    byte_range = None
    header = request.META.get("HTTP_RANGE")
    if header and _range_applies(request, etag, last_modified):
        try:
            byte_range = parse_range(header, info.size)
        except RangeNotSatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{info.size}"
            response["Accept-Ranges"] = "bytes"
            return response
    start, end = byte_range or (0, info.size)
    content_type = safe_content_type(info.content_type)

    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
    else:
        try:
            stream = storage.open(key, start, end)
        except ObjectNotFound:  # deleted between stat and open
            raise Http404("No such object.") from None
        except StorageUnavailable:
            return unavailable()
        if stream.file_backed:
            # FileResponse lets gunicorn sendfile() Content-Length bytes from the file's
            # position; other servers iterate it, and the stream stops at the range's end.
            response = FileResponse(stream, content_type=content_type)
        else:
            response = StreamingHttpResponse(stream, content_type=content_type)
    if byte_range:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
    response["Content-Length"] = str(end - start)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    active = content_type.split(";")[0].strip().lower() in _ACTIVE_TYPES
    if filename or active:
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=filename or key.rpartition("/")[2]
        )
    elif "Content-Disposition" in response:
        del response["Content-Disposition"]  # FileResponse's guess from the file name
    if content_type != "application/pdf":
        # Uploaded content never runs script on our origin, even if opened directly.
        # (PDFs are exempt: browsers' built-in viewers refuse to run in a sandbox.)
        response["Content-Security-Policy"] = "sandbox"
    return response
