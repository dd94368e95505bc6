"""Putting the access token on every URI inside HLS playlists and the thumbnail track.

ffmpeg writes playlists with relative URIs (``720p/index.m3u8``, ``seg_00001.m4s``,
``#EXT-X-MAP:URI="init_1.mp4"``); the stored files stay token-free and are signed per
request. Only our own simple relative names are rewritten: anything else (an absolute
URL, a path climbing out with ``..``) is dropped, so a playlist can never point the player
at something we did not publish.
"""

from __future__ import annotations

import re

from media_pipeline.streaming.policy import PART_NAME

_URI_ATTR = re.compile(r'URI="([^"]*)"')


def _sign(uri: str, prefix: str, query: str) -> str | None:
    # Exactly the names the part view serves; anything else would only fail later.
    if not PART_NAME.fullmatch(uri):
        return None
    return f"{prefix}{uri}?{query}"


def sign_playlist(text: str, *, prefix: str, query: str) -> str:
    """``text`` with ``prefix`` before and ``?query`` after every URI it contains."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            dropped = False

            def attr(match: re.Match[str]) -> str:
                nonlocal dropped
                signed = _sign(match[1], prefix, query)
                if signed is None:
                    dropped = True
                    return match[0]
                return f'URI="{signed}"'

            rewritten = _URI_ATTR.sub(attr, stripped)
            if not dropped:
                out.append(rewritten)
            continue
        signed = _sign(stripped, prefix, query)
        if signed is None:
            # Drop the URI line and the #EXTINF / #EXT-X-STREAM-INF that announced it.
            if out and not out[-1].startswith(("#EXTM3U", "#EXT-X-VERSION")):
                out.pop()
            continue
        out.append(signed)
    return "\n".join(out) + "\n"


def sign_thumbnail_track(text: str, *, base: str, query: str) -> str:
    """A WebVTT thumbnail track whose ``sprite.jpg#xywh=…`` cues point at ``base`` with
    the token, so the player can use each cue's text as an image URL as it stands."""
    out: list[str] = []
    for line in text.splitlines():
        name, hash_, fragment = line.partition("#")
        if hash_ and PART_NAME.fullmatch(name):
            line = f"{base}{name}?{query}#{fragment}"
        out.append(line)
    return "\n".join(out) + "\n"
