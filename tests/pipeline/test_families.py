"""Every archive family end to end: a finished upload, POST /api/v1/resources/, process_job,
then an HLS client reads the PUBLISHED master playlist out of the object store and decodes
every rendition, checking what a viewer would see (right way up, right shape, sound).

The engine tests (tests/media/test_transcode_families.py) add the finer checks per family
(keyframe alignment, field order, bit depth) at the probe -> plan -> transcode level.
"""

from __future__ import annotations

import pytest

from catalog.models import Resource
from media_pipeline.probe import probe
from media_pipeline.processing import services
from media_pipeline.processing.models import ProcessingJob
from tests.media.hls_client import check_hls, ffprobe_streams
from tests.pipeline.conftest import RESOURCES, api_for, fetch_prefix, put_upload, upload_url

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# family -> resource kind
FAMILIES = {
    "mov_rotated": "video",
    "mpeg2_interlaced": "video",
    "hevc10": "video",
    "mp3": "audio",
    "anamorphic": "video",
    "rm": "video",
    "wmv": "video",
    "flv": "video",
    "avi": "video",
    "3gp": "video",
    "mkv": "video",
    "wma": "audio",
    "m4a": "audio",
    "no_audio": "video",
    "one_second": "video",
    "odd_854x480": "video",
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_publishes_playable_hls(teacher, clips, tmp_path, family):
    source = clips.path(family)
    info = probe(source)
    upload = put_upload(teacher, source)
    body = {"title": f"家长会 {family}", "kind": FAMILIES[family], "upload": upload_url(upload)}
    response = api_for(teacher).post(RESOURCES, body, format="json")
    assert response.status_code == 201, response.content
    resource = Resource.objects.get(pk=response.json()["id"])
    job = resource.jobs.get()

    assert services.process_job(job.pk) == ProcessingJob.State.READY, job.error

    resource.refresh_from_db()
    prefix = f"hls/{resource.pk}/{job.pk}/"
    assert resource.status == Resource.Status.READY and resource.output_prefix == prefix
    master = fetch_prefix(prefix, tmp_path / "published")
    renditions = check_hls(master, expect_audio=info.has_audio, expect_video=info.has_video)

    if not info.has_video:
        assert renditions == []
        return
    assert renditions
    source_dar = float(info.display_aspect_ratio)
    portrait = info.display_height > info.display_width
    for rendition in renditions:
        assert rendition.codec == "h264" and rendition.pix_fmt == "yuv420p", rendition
        assert rendition.sar == 1, rendition
        assert (rendition.height > rendition.width) == portrait, rendition
        assert abs(rendition.display_aspect - source_dar) / source_dar < 0.02, rendition
    if family == "mov_rotated":
        assert portrait and all(r.height > r.width for r in renditions)
    if family == "anamorphic":
        assert source_dar == pytest.approx(16 / 9, rel=0.02)
    if family == "mpeg2_interlaced":
        assert source_dar == pytest.approx(4 / 3, rel=0.02)
        job.refresh_from_db()
        assert "bwdif" in " ".join(job.command)
        for rendition in renditions:
            video = next(
                s
                for s in ffprobe_streams(master.parent / rendition.uri)["streams"]
                if s["codec_type"] == "video"
            )
            assert video.get("field_order", "progressive") == "progressive", video
