"""The watch page /watch/<id>/ through Django's test client: what each kind of visitor is
shown (player, processing page, removal, refusal) and what the page hands the player."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from catalog.models import Resource
from edu_portal.accounts.roles import Role
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.streaming import page
from media_pipeline.streaming.positions import save_position
from tests.people import make_user

pytestmark = pytest.mark.django_db

INTRANET = {"REMOTE_ADDR": "10.1.2.3", "HTTP_ACCEPT_LANGUAGE": "en"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


def watch(client, resource_or_pk, **extra):
    pk = getattr(resource_or_pk, "pk", resource_or_pk)
    return client.get(f"/watch/{pk}/", **{**INTRANET, **extra})


def player_config(response) -> dict:
    html = response.content.decode()
    match = re.search(r'<script id="player-config" type="application/json">(.*?)</script>', html)
    assert match, "the page has no player configuration"
    return json.loads(match[1])


def attribute(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, pattern
    return unescape(match[1])


def unready(teacher, **fields) -> Resource:
    resource = Resource.objects.create(
        title="正在处理的视频",
        kind=Resource.Kind.VIDEO,
        uploader=teacher,
        org_unit=teacher.org_unit,
        status=fields.pop("status", Resource.Status.PROCESSING),
        state="published",
        **fields,
    )
    return resource


# --- what there is to show ---------------------------------------------------------------------


def test_unknown_resource_is_404(client):
    assert watch(client, 999_999).status_code == 404


def test_deleted_resource_is_410_with_a_page_saying_so(client, publish_video):
    resource = publish_video()
    Resource.objects.filter(pk=resource.pk).update(deleted_at=timezone.now())
    response = watch(client, resource)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This video has been removed" in html
    assert "player-config" not in html


def test_outside_the_intranet_gets_the_reason(client, publish_video):
    resource = publish_video()
    response = client.get(f"/watch/{resource.pk}/", HTTP_ACCEPT_LANGUAGE="en", **OUTSIDE)
    assert response.status_code == 403
    html = response.content.decode()
    assert "available only on the education intranet" in html
    assert "outside_intranet" in html
    assert "8.8.8.8" in html  # the address the decision was made on
    assert "player-config" not in html


def test_student_is_refused_staff_video_with_the_reason(client, publish_video, student):
    resource = publish_video(visibility="staff")
    client.force_login(student)
    response = watch(client, resource)
    assert response.status_code == 403
    assert "for teachers and staff only" in response.content.decode()


def test_not_a_video_is_404(client, teacher):
    document = Resource.objects.create(
        title="教案",
        kind=Resource.Kind.DOCUMENT,
        uploader=teacher,
        status="ready",
        state="published",
    )
    assert watch(client, document).status_code == 404


def test_unready_video_gets_the_processing_page(client, teacher):
    resource = unready(teacher)
    ProcessingJob.objects.create(resource=resource, percent=42.4)
    response = watch(client, resource)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="processing"' in html and 'data-state="processing"' in html
    assert "Preparing the video for playing: 42%" in html
    assert "reloads by itself" in html
    config = json.loads(
        attribute(html, r'<script id="processing-config" type="application/json">(.*?)</script>')
    )
    assert config["statusUrl"] == f"/stream/{resource.pk}/status"
    assert config["failed"] is False
    assert "streaming/processing.js" in html
    assert "player-config" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_failed_video_says_so(client, teacher):
    resource = unready(teacher, status=Resource.Status.FAILED)
    response = watch(client, resource)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="failed"' in html
    assert "could not be prepared for playback" in html
    assert "<progress" not in html


# --- the player -------------------------------------------------------------------------------


def test_player_page_for_an_anonymous_intranet_visitor(client, publish_video):
    resource = publish_video(description="第一课时：直角三角形。")
    response = watch(client, resource)
    assert response.status_code == 200
    html = response.content.decode()
    assert "勾股定理 第一课时" in html and "第一课时：直角三角形。" in html
    assert "Duration" in html and 'class="watch-duration">0:01<' in html

    poster = attribute(html, r'<video[^>]* poster="([^"]+)"')
    assert poster.startswith(f"/stream/{resource.pk}/7/poster.jpg?")
    assert {"exp", "sig"} <= set(parse_qs(urlsplit(poster).query))
    got = client.get(poster, **INTRANET)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert "playsinline" in attribute(html, r"(<video[^>]*>)")

    config = player_config(response)
    assert config["masterUrl"] == f"/stream/{resource.pk}/master.m3u8"
    assert config["thumbnailsUrl"].startswith(f"/stream/{resource.pk}/7/sprite.vtt?")
    vtt = client.get(config["thumbnailsUrl"], **INTRANET)
    assert vtt.status_code == 200 and b"#xywh=" in vtt.content
    assert config["positionUrl"] == ""  # nobody to remember it for
    assert config["beaconUrl"] == f"/stream/{resource.pk}/beacon"
    assert config["startAt"] == 0
    assert config["text"]["auto"] == "Auto"
    assert "vendor/hls.js/hls.min.js" in html and "streaming/player.js" in html
    # No inline script: only the JSON configuration and external files.
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in script[0] or 'type="application/json"' in script[0]

    assert "/download/" not in html
    assert "Viewing statistics" not in html


def test_downloads_for_teachers_only(client, publish_video, school, student):
    resource = publish_video()
    other_teacher = make_user("teacher_zhao", Role.TEACHER, school)
    client.force_login(other_teacher)
    html = watch(client, resource).content.decode()
    assert f'href="/stream/{resource.pk}/download/original"' in html
    assert f'href="/stream/{resource.pk}/download/mp4"' in html
    # No job row describes this output set: the label claims no height it cannot vouch for
    # (tests/pipeline/test_download_labels.py has the labels of a processed video).
    assert "Download the original file" in html and "Download MP4<" in html

    client.force_login(student)
    html = watch(client, resource).content.decode()
    assert "/download/" not in html


def test_download_button_only_for_what_exists(client, publish_video, teacher):
    resource = publish_video()
    Resource.objects.filter(pk=resource.pk).update(mp4_key="")
    client.force_login(teacher)
    html = watch(client, resource).content.decode()
    assert "/download/original" in html and "/download/mp4" not in html


def test_stats_for_uploader_and_admin_only(client, publish_video, teacher, school, bureau):
    resource = publish_video()
    client.force_login(teacher)
    html = watch(client, resource).content.decode()
    assert "Viewing statistics" in html
    assert re.search(r'class="stat-plays">\d+<', html)
    assert re.search(r'class="stat-watch-time">\d+:\d\d<', html)

    admin = make_user("admin_chen", Role.BUREAU_ADMIN, bureau)
    client.force_login(admin)
    assert "Viewing statistics" in watch(client, resource).content.decode()

    client.force_login(make_user("teacher_zhao", Role.TEACHER, school))
    assert "Viewing statistics" not in watch(client, resource).content.decode()


def test_signed_in_viewer_resumes_where_they_stopped(client, publish_video, teacher):
    resource = publish_video()
    Resource.objects.filter(pk=resource.pk).update(duration=600.0)
    resource.refresh_from_db()
    save_position(teacher, resource, 125.5)
    client.force_login(teacher)
    response = watch(client, resource)
    config = player_config(response)
    assert config["startAt"] == 125.5
    assert config["positionUrl"] == f"/stream/{resource.pk}/position"
    assert config["csrfToken"]
    assert "Continuing from 2:05" in response.content.decode()

    # In the last ten seconds: start again rather than show the end.
    save_position(teacher, resource, 595.0)
    assert player_config(watch(client, resource))["startAt"] == 0


def test_page_is_in_chinese_by_default(client, publish_video, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    resource = publish_video()
    response = client.get(f"/watch/{resource.pk}/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.parametrize(
    ("seconds", "label"), [(0, "0:00"), (59.9, "0:59"), (61, "1:01"), (3725, "1:02:05")]
)
def test_clock(seconds, label):
    assert page.format_clock(seconds) == label


@pytest.mark.parametrize(("seconds", "label"), [(0, "0:00"), (59, "0:00"), (3660, "1:01")])
def test_total_watch_time_is_hours_and_minutes(seconds, label):
    assert page.format_hours_minutes(seconds) == label


def test_audio_has_a_poster_but_no_thumbnail_track(client, publish_video):
    resource = publish_video()
    Resource.objects.filter(pk=resource.pk).update(kind=Resource.Kind.AUDIO)
    response = watch(client, resource)
    assert response.status_code == 200
    assert "player-audio" in response.content.decode()
    assert player_config(response)["thumbnailsUrl"] == ""
