"""A video's download buttons state the resolution of the file they give, and the watch
page and the resource page link to each other (issue 12: "MP4 (720p)" gave 640×360)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from catalog.models import Resource
from edu_portal.storage import get_storage
from media_pipeline import downloads
from media_pipeline.processing import services
from media_pipeline.processing.models import ProcessingJob
from tests.pipeline.conftest import make_video

pytestmark = pytest.mark.django_db

INTRANET = {"REMOTE_ADDR": "10.1.2.3", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _intranet(intranet_settings):
    return intranet_settings


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory):
    """One second of 640×360: smaller than the 720p the copy could have."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    target = tmp_path_factory.mktemp("labels") / "640x360.mp4"
    command = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=1"]
    command += ["-f", "lavfi", "-i", "sine=f=440:r=44100:d=1"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    subprocess.run(
        [*command, "-shortest", str(target)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


def stored_height(key: str, tmp_path) -> int:
    path = tmp_path / "copy.mp4"
    path.write_bytes(get_storage().get_bytes(key))
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json"]
    probe = subprocess.run(
        [*command, "-show_entries", "stream=width,height", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    return min(stream["width"], stream["height"])


def test_a_640x360_video_offers_mp4_360p_on_both_pages(client, teacher, small_clip, tmp_path):
    resource, job = make_video(teacher, small_clip)
    assert services.process_job(job.pk) == ProcessingJob.State.READY
    resource.refresh_from_db()
    assert stored_height(resource.mp4_key, tmp_path) == 360  # what the button gives

    client.force_login(teacher)
    detail = client.get(f"/resources/{resource.pk}/", **INTRANET).content.decode()
    assert "Download MP4 (360p)" in detail and "720p" not in detail
    # The resource page links to the watch page ...
    assert f'href="/watch/{resource.pk}/"' in detail

    watch = client.get(f"/watch/{resource.pk}/", **INTRANET).content.decode()
    assert "Download MP4 (360p)" in watch and "720p" not in watch
    assert "Download the original file (640×360)" in watch
    # ... and the watch page back to the resource page (breadcrumb and a link of its own).
    assert re.search(rf'id="watch-resource-link" href="/resources/{resource.pk}/"', watch)
    assert f'href="/resources/{resource.pk}/" class="watch-resource-crumb"' in watch


def test_the_label_reads_the_published_job_not_a_later_one(teacher):
    resource = Resource.objects.create(
        title="分数", kind="video", uploader=teacher, status="ready", output_prefix="hls/1/5/"
    )
    rung = {"name": "480p", "width": 854, "height": 480}
    big = {"name": "1080p", "width": 1920, "height": 1080}
    ProcessingJob.objects.create(
        resource=resource, state="ready", output_prefix="hls/1/5/", plan={"rungs": [big, rung]}
    )
    # A newer job (a replaced file, still running) does not describe the served copy.
    ProcessingJob.objects.create(
        resource=resource, plan={"rungs": [{"width": 1280, "height": 720}]}
    )
    assert downloads.mp4_label(resource) == "Download MP4 (480p)"
    # Portrait: the rung is named by its short side, as the ladder names it.
    assert downloads.copy_height({"rungs": [{"width": 720, "height": 1280}]}) == 720
    assert downloads.copy_height({"rungs": [{"width": 1080, "height": 1920}]}) is None
    assert downloads.copy_height({}) is None


def test_without_a_plan_the_label_claims_no_height(teacher):
    resource = Resource.objects.create(title="分数", kind="video", uploader=teacher)
    assert downloads.mp4_label(resource) == "Download MP4"
    assert downloads.original_label(resource) == "Download the original file"


def test_the_processing_page_links_back_to_the_resource(client, teacher, intranet_settings):
    resource = Resource.objects.create(
        title="正在处理",
        kind="video",
        uploader=teacher,
        org_unit=teacher.org_unit,
        status="processing",
        state="published",
    )
    client.force_login(teacher)
    html = client.get(f"/watch/{resource.pk}/", **INTRANET).content.decode()
    assert f'id="watch-resource-link" href="/resources/{resource.pk}/"' in html
