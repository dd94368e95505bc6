"""The production streaming path: the real nginx with deploy/nginx/*.conf in front of a live
Django and an S3 server (moto, standing in for MinIO).

nginx asks Django (``auth_request`` to /stream/auth, cached) and then serves segments
straight from the bucket; playlists still come from Django, which signs the URIs inside.
The generated ``geo`` list counts only 127.0.0.1 as the intranet, so a client connecting
from 127.0.0.2 is "outside" and meets the second wall.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import ssl
import time
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings

from catalog.models import Resource
from edu_portal.access import Visibility, make_token
from edu_portal.storage import get_storage
from media_pipeline.streaming.policy import stream_scope
from tests.deploy import nginx as harness
from tests.storage.conftest import s3_url

NGINX = harness.nginx_binary()
pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx with auth_request is not installed"),
    pytest.mark.django_db(transaction=True),
]

OUTPUT_SET = 5
SEGMENT = bytes(range(256)) * 1200  # 300 KB, every byte value
MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:7\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"\n'
    "720p/index.m3u8\n"
)
RENDITION = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n'
)
OUTSIDE = "127.0.0.2"


@pytest.fixture(scope="module")
def moto_s3():
    with harness.moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def nginx_site(moto_s3, live_server, tmp_path_factory):
    site = harness.write_config(
        tmp_path_factory.mktemp("nginx"),
        app=live_server.url.removeprefix("http://"),
        minio=moto_s3,
        intranet="127.0.0.1/32 1;\n",
    )
    with harness.running(NGINX, site):
        yield site


@pytest.fixture
def video(settings, moto_s3, teacher):
    settings.OBJECT_STORE_URL = s3_url(moto_s3, harness.BUCKET)
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    settings.SIGNED_URL_BIND_IP = False
    settings.LANGUAGE_CODE = "en"
    resource = Resource.objects.create(
        title="勾股定理 第一课时",
        kind=Resource.Kind.VIDEO,
        visibility=Visibility.INTRANET,
        state="published",
        uploader=teacher,
        org_unit=teacher.org_unit,
    )
    prefix = f"hls/{resource.pk}/{OUTPUT_SET}/"
    store = get_storage()
    store.put_bytes(prefix + "master.m3u8", MASTER.encode(), content_type="application/x-mpegurl")
    store.put_bytes(prefix + "720p/index.m3u8", RENDITION.encode())
    store.put_bytes(prefix + "720p/init.mp4", b"\0\0\0\x18ftypiso6", content_type="video/mp4")
    store.put_bytes(prefix + "720p/seg_00001.m4s", SEGMENT, content_type="video/iso.segment")
    resource.source_key = f"sources/{resource.pk}/source"
    store.put_bytes(resource.source_key, b"the original upload")
    harness.allow_nginx_reads(store)
    resource.status = Resource.Status.READY
    resource.output_prefix = prefix
    resource.save()
    return resource


def get(site, path: str, *, source: str = "127.0.0.1", headers=None, method: str = "GET"):
    connection = http.client.HTTPConnection("127.0.0.1", site.port, source_address=(source, 0))
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def segment_path(resource, token: dict[str, str], name: str = "720p/seg_00001.m4s") -> str:
    return f"/stream/{resource.pk}/{OUTPUT_SET}/{name}?{urlencode(token)}"


def token_for(resource, **kwargs) -> dict[str, str]:
    return make_token(stream_scope(resource.pk), ttl=600, **kwargs)


def test_the_configuration_passes_nginx_t(tmp_path):
    site = harness.write_config(tmp_path, app="127.0.0.1:8000", minio="127.0.0.1:9000")
    checked = harness.check_config(NGINX, site)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_nginx_intranet_list_is_the_default_intranet():
    text = (harness.DEPLOY / harness.INTRANET).read_text()
    listed = {
        ipaddress.ip_network(line.split()[0])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    source = (harness.DEPLOY.parents[1] / "edu_portal" / "settings.py").read_text()
    default = re.search(r'"INTRANET_NETWORKS",\s*\[([^\]]*)\]', source)[1]
    assert listed == {ipaddress.ip_network(n) for n in re.findall(r'"([^"]+)"', default)}


def test_the_player_path_playlists_from_django_segments_from_the_store(nginx_site, video):
    master, body = get(nginx_site, f"/stream/{video.pk}/master.m3u8")
    assert master.status == 200, body
    assert master.getheader("Content-Type") == "application/vnd.apple.mpegurl"
    assert master.getheader("Cache-Control") == "private, no-store"
    rendition = body.decode().strip().splitlines()[-1]
    assert rendition.startswith(f"{OUTPUT_SET}/720p/index.m3u8?exp=")

    playlist, body = get(nginx_site, f"/stream/{video.pk}/{rendition}")
    assert playlist.status == 200, body
    lines = body.decode().splitlines()
    segment = next(line for line in lines if line.startswith("seg_00001.m4s?"))
    init = re.search(r'URI="([^"]+)"', next(line for line in lines if "EXT-X-MAP" in line))[1]

    path = f"/stream/{video.pk}/{OUTPUT_SET}/720p/{segment}"
    response, data = get(nginx_site, path)
    assert response.status == 200, data
    assert data == SEGMENT
    assert response.getheader("Content-Type") == "video/iso.segment"
    assert response.getheader("Content-Length") == str(len(SEGMENT))
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("Cache-Control") == "private, max-age=900"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    leaked = [name for name, _ in response.getheaders() if name.lower().startswith("x-amz")]
    assert leaked == []

    response, data = get(nginx_site, path, headers={"Range": "bytes=1000-1999"})
    assert response.status == 206
    assert data == SEGMENT[1000:2000]
    assert response.getheader("Content-Range") == f"bytes 1000-1999/{len(SEGMENT)}"

    response, data = get(nginx_site, path, headers={"Range": "bytes=-10"})
    assert (response.status, data) == (206, SEGMENT[-10:])

    response, data = get(nginx_site, f"/stream/{video.pk}/{OUTPUT_SET}/720p/{init}")
    assert (response.status, response.getheader("Content-Type")) == (200, "video/mp4")

    response, data = get(nginx_site, path, method="HEAD")
    assert (response.status, data) == (200, b"")
    assert response.getheader("Content-Length") == str(len(SEGMENT))


def test_the_tls_server_block_serves_the_same_site(nginx_site, video):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", nginx_site.tls_port, context=context)
    try:
        connection.request("GET", segment_path(video, token_for(video)))
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, SEGMENT)
    finally:
        connection.close()
    redirect, _ = get_port(nginx_site.redirect_port, "/stream/1/master.m3u8")
    assert redirect.status == 301
    assert redirect.getheader("Location").startswith("https://")


def get_port(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_bad_tokens_are_refused(nginx_site, video):
    good = token_for(video)
    assert get(nginx_site, segment_path(video, good))[0].status == 200  # a "yes" is cached now

    tampered = {**good, "sig": ("0" if good["sig"][0] != "0" else "1") + good["sig"][1:]}
    expired = make_token(stream_scope(video.pk), ttl=60, now=time.time() - 3600)
    other = make_token(stream_scope(video.pk + 1000), ttl=600)
    bound_elsewhere = token_for(video, ip="10.1.2.3")
    for token in (tampered, expired, other, {}, {"exp": good["exp"]}, bound_elsewhere):
        response, body = get(nginx_site, segment_path(video, token))
        assert response.status == 403, (token, body)
        assert b"<Error>" not in body  # nothing from S3

    response, body = get(nginx_site, segment_path(video, good, "720p/seg_09999.m4s"))
    assert response.status == 404
    assert body == b"No such part of this video.\n"


def test_a_yes_is_reused_only_for_the_same_token(nginx_site, video, settings):
    token, later = token_for(video), make_token(stream_scope(video.pk), ttl=700)
    assert get(nginx_site, segment_path(video, token))[0].status == 200
    settings.SECRET_KEY = "rotated-" + django_settings.SECRET_KEY  # Django now says no
    assert get(nginx_site, segment_path(video, token))[0].status == 200  # cached yes
    assert get(nginx_site, segment_path(video, later))[0].status == 403  # asked again


def test_the_second_wall_outside_the_intranet(nginx_site, video):
    # An unbound token is refused off the intranet by nginx alone.
    response, _ = get(nginx_site, segment_path(video, token_for(video)), source=OUTSIDE)
    assert response.status == 403
    # A token bound to the address Django approved passes the wall, and Django checks it.
    bound = token_for(video, ip=OUTSIDE)
    response, data = get(nginx_site, segment_path(video, bound), source=OUTSIDE)
    assert (response.status, data) == (200, SEGMENT)
    # The same bound token from another address is refused.
    assert get(nginx_site, segment_path(video, bound))[0].status == 403


def test_the_token_check_is_not_reachable_from_outside(nginx_site, video):
    uri = segment_path(video, token_for(video))
    for path in ("/stream/auth", "/stream//auth", "/stream/%61uth", "/_stream_auth"):
        response, _ = get(nginx_site, path, headers={"X-Original-URI": uri})
        assert response.status == 404, path


def test_only_get_and_head_reach_the_store(nginx_site, video):
    response, _ = get(nginx_site, segment_path(video, token_for(video)), method="DELETE")
    assert response.status == 403
    assert get_storage().exists(f"{video.output_prefix}720p/seg_00001.m4s")


def test_the_bucket_policy_opens_published_sets_only(moto_s3, video):
    """What nginx may read anonymously: hls/ yes, uploads and sources no."""
    direct = http.client.HTTPConnection(*moto_s3.split(":"))
    try:
        for key, status in ((f"{video.output_prefix}720p/init.mp4", 200), (video.source_key, 403)):
            direct.request("GET", f"/{harness.BUCKET}/{key}")
            response = direct.getresponse()
            response.read()
            assert response.status == status, key
    finally:
        direct.close()


def test_account_bound_tokens_pass_with_their_session_only(nginx_site, video, teacher, school):
    """Remote staff get tokens bound to their account (their address may change): nginx
    lets them through the wall and the token check sees their session, nobody else's."""
    from django.test import Client

    from tests.people import make_user

    def session_of(user) -> str:
        browser = Client()
        browser.force_login(user)
        return f"sessionid={browser.cookies['sessionid'].value}"

    bound = token_for(video, user_id=teacher.pk)
    path = segment_path(video, bound)
    response, data = get(nginx_site, path, source=OUTSIDE, headers={"Cookie": session_of(teacher)})
    assert (response.status, data) == (200, SEGMENT)
    other = make_user("teacher_he", "teacher", school)
    refused = get(nginx_site, path, source=OUTSIDE, headers={"Cookie": session_of(other)})[0]
    assert refused.status == 403
    assert get(nginx_site, path, source=OUTSIDE)[0].status == 403  # no session at all
