"""A minimal tus client that streams generated data: the client side of test_memory.

``python -m tests.uploads.tus_probe ENDPOINT TOKEN SIZE CHUNK`` creates an upload and sends
it in PATCHes of CHUNK bytes, each body produced block by block while it is sent, and
prints the upload URL, its final offset and the time taken as one JSON line. Run in its own
process so that nothing it allocates is counted against the server.
"""

from __future__ import annotations

import base64
import http.client
import json
import sys
import time
from urllib.parse import urlsplit

from tests.uploads.media import blocks


def main() -> None:
    endpoint, token, size, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    common = {"Tus-Resumable": "1.0.0", "Authorization": f"Token {token}"}
    started = time.monotonic()
    filename = base64.b64encode(b"big-lesson.mp4").decode()
    connection.request(
        "POST",
        parts.path,
        headers={**common, "Upload-Length": str(size), "Upload-Metadata": f"filename {filename}"},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 201, response.status
    location = response.getheader("Location")

    data = blocks(size)
    offset = 0
    while offset < size:
        length = min(chunk, size - offset)
        connection.request(
            "PATCH",
            location,
            body=_take(data, length),
            headers={
                **common,
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length),
                "Upload-Offset": str(offset),
            },
        )
        response = connection.getresponse()
        response.read()
        assert response.status == 204, (response.status, offset)
        offset = int(response.getheader("Upload-Offset"))
    seconds = round(time.monotonic() - started, 2)
    print(json.dumps({"url": location, "offset": offset, "seconds": seconds}))


class _Pending:
    """Blocks left over when a PATCH ends inside one."""

    rest = b""


def _take(source, length: int):
    """Exactly ``length`` bytes from the block iterator, yielded block by block."""
    remaining = length
    if _Pending.rest:
        head, _Pending.rest = _Pending.rest[:remaining], _Pending.rest[remaining:]
        remaining -= len(head)
        yield head
    while remaining > 0:
        block = next(source)
        head, _Pending.rest = block[:remaining], block[remaining:]
        remaining -= len(head)
        yield head


if __name__ == "__main__":
    main()
