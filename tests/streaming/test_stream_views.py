"""The streaming endpoints through Django's test client: the policy on the master
playlist, signed URIs everywhere, token checks on every part, ranges and bad input."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from edu_portal.access import make_token
from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role
from media_pipeline.streaming.policy import stream_scope
from tests.people import make_user

pytestmark = pytest.mark.django_db

INTRANET = {"REMOTE_ADDR": "10.1.2.3"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


def uris(playlist: str) -> list[str]:
    found = []
    for line in playlist.splitlines():
        if line.startswith("#"):
            found += re.findall(r'URI="([^"]*)"', line)
        elif line.strip():
            found.append(line.strip())
    return found


def master_of(client, resource, **extra) -> str:
    response = client.get(f"/stream/{resource.pk}/master.m3u8", **{**INTRANET, **extra})
    assert response.status_code == 200, response.content
    return response.content.decode()


def resolve(resource, uri: str, base: str = "") -> str:
    """The site path of a URI found in a playlist at ``/stream/<id>/<base>``."""
    return f"/stream/{resource.pk}/{base}{uri}"


def first_segment(client, resource) -> str:
    rendition = uris(master_of(client, resource))[-1]
    path = resolve(resource, rendition)
    playlist = client.get(path, **INTRANET).content.decode()
    directory = rendition.split("?")[0].rpartition("/")[0]
    segment = next(u for u in uris(playlist) if ".m4s" in u)
    return resolve(resource, segment, directory + "/")


# --- master playlist: the access policy -------------------------------------------------------


def test_master_lists_every_rendition_signed(client, publish_video):
    resource = publish_video()
    response = client.get(f"/stream/{resource.pk}/master.m3u8", **INTRANET)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert body.startswith("#EXTM3U") and "#EXT-X-STREAM-INF" in body
    listed = uris(body)
    assert len(listed) == 4  # audio + three video rungs
    for uri in listed:
        path, _, query = uri.partition("?")
        assert path.startswith("7/") and path.endswith("/index.m3u8")
        params = parse_qs(query)
        assert set(params) == {"exp", "sig", "ipb"}  # bound to the viewer's address
        assert int(params["exp"][0]) > time.time()


def test_outside_the_intranet_gets_a_page_saying_why(client, publish_video):
    resource = publish_video()
    response = client.get(f"/stream/{resource.pk}/master.m3u8", **OUTSIDE)
    assert response.status_code == 403
    assert b"only on the education intranet" in response.content


def test_remote_access_staff_may_watch_from_home(client, publish_video, teacher):
    resource = publish_video()
    actions.set_remote_access(actions.SYSTEM, teacher, True)
    client.force_login(teacher)
    response = client.get(f"/stream/{resource.pk}/master.m3u8", **OUTSIDE)
    assert response.status_code == 200


def test_public_video_plays_anywhere_and_staff_video_not_for_students(
    client, publish_video, student
):
    public = publish_video(visibility="public")
    assert client.get(f"/stream/{public.pk}/master.m3u8", **OUTSIDE).status_code == 200
    staff_only = publish_video(visibility="staff")
    client.force_login(student)
    response = client.get(f"/stream/{staff_only.pk}/master.m3u8", **INTRANET)
    assert response.status_code == 403
    assert b"teachers and staff only" in response.content


def test_unknown_deleted_and_unready_resources(client, publish_video):
    assert client.get("/stream/999999/master.m3u8", **INTRANET).status_code == 404
    deleted = publish_video(deleted_at=timezone.now())
    assert client.get(f"/stream/{deleted.pk}/master.m3u8", **INTRANET).status_code == 410
    processing = publish_video()
    processing.status = "processing"
    processing.output_prefix = ""
    processing.save()
    response = client.get(f"/stream/{processing.pk}/master.m3u8", **INTRANET)
    assert response.status_code == 409 and response["Retry-After"] == "30"
    assert b"still being processed" in response.content


def test_master_only_answers_get_and_head(client, publish_video):
    resource = publish_video()
    assert client.post(f"/stream/{resource.pk}/master.m3u8", **INTRANET).status_code == 405
    assert client.head(f"/stream/{resource.pk}/master.m3u8", **INTRANET).status_code == 200


# --- rendition playlists and segments: the token ------------------------------------------------


def test_rendition_playlist_signs_init_and_segments(client, publish_video):
    resource = publish_video()
    rendition = uris(master_of(client, resource))[-1]
    response = client.get(resolve(resource, rendition), **INTRANET)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    body = response.content.decode()
    assert "#EXT-X-MAP:URI=" in body and "#EXT-X-ENDLIST" in body
    inner = uris(body)
    assert inner and all("?exp=" in u and "&sig=" in u for u in inner)
    assert all("/" not in u.split("?")[0] for u in inner)  # relative to the rendition


def test_segment_is_served_with_type_cache_and_ranges(client, publish_video):
    resource = publish_video()
    segment = first_segment(client, resource)
    whole = client.get(segment, **INTRANET)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "video/iso.segment"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"private, max-age=\d+", whole["Cache-Control"])
    assert 800 <= int(whole["Cache-Control"].split("=")[1]) <= 900
    data = b"".join(whole.streaming_content)
    assert len(data) == int(whole["Content-Length"]) > 100

    part = client.get(segment, HTTP_RANGE="bytes=10-109", **INTRANET)
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-109/{len(data)}"
    assert b"".join(part.streaming_content) == data[10:110]
    tail = client.get(segment, HTTP_RANGE="bytes=-20", **INTRANET)
    assert b"".join(tail.streaming_content) == data[-20:]

    head = client.head(segment, **INTRANET)
    assert head.status_code == 200 and head["Content-Length"] == str(len(data))


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("bytes=999999999-", 416),
        ("bytes=" + "9" * 30 + "-", 416),
        ("bytes=" + "9" * 5000 + "-", 200),  # absurdly long: ignored, whole body
        ("bytes=5-2", 200),
        ("bytes=0-1,5-6", 200),
        ("items=0-10", 200),
        ("bytes=-0", 416),
        ("garbage", 200),
        ("bytes=\u0661-2", 200),  # non-ASCII digits are not digits here
    ],
)
def test_malformed_or_huge_ranges_never_500(client, publish_video, header, status):
    resource = publish_video()
    segment = first_segment(client, resource)
    response = client.get(segment, HTTP_RANGE=header, **INTRANET)
    assert response.status_code == status
    if status == 416:
        assert response["Content-Range"].startswith("bytes */")


def _with(path: str, **changes: str) -> str:
    split = urlsplit(path)
    params = {k: v[0] for k, v in parse_qs(split.query).items()}
    params.update(changes)
    params = {k: v for k, v in params.items() if v is not None}
    return split.path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_tampered_expired_missing_and_foreign_tokens_are_refused(client, publish_video):
    resource = publish_video()
    other = publish_video()
    segment = first_segment(client, resource)
    sig = parse_qs(urlsplit(segment).query)["sig"][0]
    tampered = _with(segment, sig=("0" if sig[0] != "0" else "1") + sig[1:])
    assert client.get(tampered, **INTRANET).status_code == 403
    longer = _with(segment, exp=str(int(time.time()) + 10**6))
    assert client.get(longer, **INTRANET).status_code == 403
    assert client.get(urlsplit(segment).path, **INTRANET).status_code == 403
    past = make_token(
        stream_scope(resource.pk), ttl=60, now=time.time() - 3600, ip=INTRANET["REMOTE_ADDR"]
    )
    expired = client.get(_with(segment, **past), **INTRANET)
    assert expired.status_code == 403 and b"expired" in expired.content
    # A valid token of another resource does not open this one's parts.
    foreign = make_token(stream_scope(other.pk))
    assert client.get(_with(segment, **foreign), **INTRANET).status_code == 403


def test_token_bound_to_the_address_when_configured(client, publish_video, settings):
    settings.SIGNED_URL_BIND_IP = True
    resource = publish_video()
    segment = first_segment(client, resource)
    assert "ipb=1" in segment
    assert client.get(segment, **INTRANET).status_code == 200
    assert client.get(segment, REMOTE_ADDR="10.4.4.4").status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "../../../sources/{pk}/source",
        "..%2f..%2fsources%2f{pk}%2fsource",
        "%2e%2e/%2e%2e/x.m4s",
        "480p/../../x.m4s",
        "a/b/seg_00000.m4s",
        "download.copy.mp4",
        "source",
        "seg_00000.m4s%00.jpg",
        "/etc/passwd",
        "480p/.seg.m4s",
    ],
)
def test_path_traversal_and_unknown_names_are_404(client, publish_video, name):
    resource = publish_video()
    token = make_token(stream_scope(resource.pk))
    path = f"/stream/{resource.pk}/7/{name.format(pk=resource.pk)}"
    response = client.get(path, token, **INTRANET)
    assert response.status_code == 404


def test_missing_part_is_404(client, publish_video):
    resource = publish_video()
    token = make_token(stream_scope(resource.pk))
    assert client.get(f"/stream/{resource.pk}/7/9999p/seg_00000.m4s", token).status_code == 404
    assert client.get(f"/stream/{resource.pk}/8/480p/index.m3u8", token).status_code == 404


def test_thumbnail_track_cues_are_signed_image_urls(client, publish_video):
    resource = publish_video()
    token = make_token(stream_scope(resource.pk))
    response = client.get(f"/stream/{resource.pk}/7/sprite.vtt", token, **INTRANET)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vtt")
    cues = [line for line in response.content.decode().splitlines() if "#xywh=" in line]
    assert cues
    for cue in cues:
        url, _, fragment = cue.partition("#")
        assert url.startswith(f"/stream/{resource.pk}/7/sprite.jpg?exp=")
        assert re.fullmatch(r"xywh=\d+,\d+,\d+,\d+", fragment)
    image = client.get(cues[0].partition("#")[0], **INTRANET)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


# --- nginx's token check --------------------------------------------------------------------


def test_auth_endpoint_answers_for_nginx(client, publish_video):
    resource = publish_video()
    segment = first_segment(client, resource)
    yes = client.get("/stream/auth", HTTP_X_ORIGINAL_URI=segment, **INTRANET)
    assert yes.status_code == 204
    assert 0 < int(yes["X-Accel-Expires"]) <= 60
    tampered = _with(segment, sig="0" * 32)
    no = client.get("/stream/auth", HTTP_X_ORIGINAL_URI=tampered, **INTRANET)
    assert no.status_code == 403 and no["X-Accel-Expires"] == "0"
    for bad in ("", "/stream/1/2/../../x.m4s?exp=1&sig=2", "/etc/passwd", "/stream/x/y/z"):
        response = client.get("/stream/auth", HTTP_X_ORIGINAL_URI=bad, **INTRANET)
        assert response.status_code == 403


# --- status and downloads --------------------------------------------------------------------


def test_status_reports_progress_and_refuses_outsiders(client, publish_video):
    resource = publish_video()
    body = client.get(f"/stream/{resource.pk}/status", **INTRANET).json()
    assert body == {
        "status": "ready",
        "ready": True,
        "failed": False,
        "percent": 100,
        "message": "",
    }
    refused = client.get(f"/stream/{resource.pk}/status", **OUTSIDE)
    assert refused.status_code == 403 and refused.json()["code"] == "outside_intranet"
    resource.deleted_at = timezone.now()
    resource.save()
    assert client.get(f"/stream/{resource.pk}/status", **INTRANET).status_code == 410


def test_teacher_downloads_original_and_mp4_copy(client, publish_video, teacher, school):
    other_teacher = make_user("teacher_zhao", Role.TEACHER, school)
    resource = publish_video()
    client.force_login(other_teacher)
    response = client.get(f"/stream/{resource.pk}/download/original", **INTRANET)
    assert response.status_code == 302
    fetched = client.get(response["Location"], **INTRANET)
    assert b"".join(fetched.streaming_content) == b"the original upload"
    assert "attachment" in fetched["Content-Disposition"]
    assert "%E5%8B%BE%E8%82%A1" in fetched["Content-Disposition"]  # 勾股 in the name

    copy = client.get(f"/stream/{resource.pk}/download/mp4", **INTRANET)
    assert copy.status_code == 302
    mp4 = client.get(copy["Location"], **INTRANET)
    assert mp4["Content-Type"] == "video/mp4"
    assert b"ftyp" in b"".join(mp4.streaming_content)[:64]
    assert LogEntry.objects.filter(object_pk=str(resource.pk), changes__icontains="download")


def test_students_and_anonymous_viewers_may_not_download(client, publish_video, student):
    resource = publish_video()
    anonymous = client.get(f"/stream/{resource.pk}/download/mp4", **INTRANET)
    assert anonymous.status_code == 403 and b"Only signed-in teachers" in anonymous.content
    client.force_login(student)
    refused = client.get(f"/stream/{resource.pk}/download/original", **INTRANET)
    assert refused.status_code == 403
    assert b"may watch this video but not download it" in refused.content
    assert client.get(f"/stream/{resource.pk}/download/other", **INTRANET).status_code == 404


def test_download_needs_the_network_too(client, publish_video, teacher):
    resource = publish_video()
    client.force_login(teacher)
    response = client.get(f"/stream/{resource.pk}/download/original", **OUTSIDE)
    assert response.status_code == 403


def test_playlist_signing_drops_what_we_did_not_publish():
    from media_pipeline.streaming.playlists import sign_playlist

    text = (
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        '#EXT-X-MAP:URI="init_0.mp4"\n'
        "#EXTINF:4.0,\nseg_00000.m4s\n"
        "#EXTINF:4.0,\nhttp://evil.example/seg.m4s\n"
        "#EXTINF:4.0,\n../../sources/1/source\n"
        '#EXT-X-KEY:METHOD=AES-128,URI="file:///etc/passwd"\n'
        "#EXT-X-ENDLIST\n"
    )
    signed = sign_playlist(text, prefix="7/", query="exp=1&sig=2")
    assert signed.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        '#EXT-X-MAP:URI="7/init_0.mp4?exp=1&sig=2"',
        "#EXTINF:4.0,",
        "7/seg_00000.m4s?exp=1&sig=2",
        "#EXT-X-ENDLIST",
    ]
