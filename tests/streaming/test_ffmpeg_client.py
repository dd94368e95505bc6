"""Done-when: a live server serves a transcoded resource and ffmpeg, as an HLS client over
HTTP, reads master.m3u8 and decodes every rendition through the signed URLs."""

from __future__ import annotations

import json
import subprocess

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_ffmpeg_plays_every_rendition_over_http(live_server, publish_video):
    resource = publish_video()
    url = f"{live_server.url}/stream/{resource.pk}/master.m3u8"

    probed = run("ffprobe", "-v", "error", "-show_streams", "-of", "json", url)
    assert probed.returncode == 0, probed.stderr
    streams = json.loads(probed.stdout)["streams"]
    heights = sorted(s["height"] for s in streams if s["codec_type"] == "video")
    assert heights == [240, 360, 480]
    assert any(s["codec_type"] == "audio" for s in streams)

    # -map 0 makes ffmpeg open every variant: each rendition's init segment and media
    # segments are fetched through their signed URLs and decoded.
    decoded = run("ffmpeg", "-v", "error", "-nostdin", "-i", url, "-map", "0", "-f", "null", "-")
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stderr.strip() == ""


def test_ffmpeg_is_refused_from_outside(live_server, publish_video, settings):
    import ipaddress

    # The live server sees 127.0.0.1; take it off the intranet for this test.
    settings.INTRANET_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    resource = publish_video()
    url = f"{live_server.url}/stream/{resource.pk}/master.m3u8"
    probed = run("ffprobe", "-v", "error", url)
    assert probed.returncode != 0
    assert "403" in probed.stderr
