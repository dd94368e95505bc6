"""The watch page's player in a real browser: hls.js plays a real output set, the quality
menu lists its rungs, an outside address is told why it cannot watch, tampered or expired
segment URLs are refused, and an expired token mid-play is recovered from.

The output set is transcoded once per session from a 3-second 640x360 clip (two rungs,
360p and 240p) and published into each test's own object store.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from django.db import OperationalError

from catalog.models import Resource
from edu_portal.access import make_token
from edu_portal.storage import get_storage
from media_pipeline.artwork import make_artwork
from media_pipeline.ladder import plan_ladder
from media_pipeline.mp4copy import make_mp4_copy
from media_pipeline.probe import probe
from media_pipeline.processing import publish
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.streaming.policy import stream_scope
from media_pipeline.transcode import run_transcode
from tests.browser.conftest import PHONE
from tests.streaming.conftest import publish_set

pytestmark = pytest.mark.django_db(transaction=True)

OUTPUT_SET = 3
SCREENSHOT = "/tmp/player-page.png"
HLS_READY = "() => !!(window.playerHls && window.playerHls.levels.length)"


def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture(scope="session")
def player_output(tmp_path_factory) -> Path:
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg/ffprobe are not installed")
    work = tmp_path_factory.mktemp("player-set")
    source = work / "lesson.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=3"),
            *("-f", "lavfi", "-i", "sine=f=440:r=44100:d=3"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = work / "out"
    info = probe(source)
    plan = plan_ladder(info)
    run_transcode(source, out, plan, info, preset="ultrafast")
    make_artwork(source, out, plan, info)
    make_mp4_copy(out, plan)
    # What the job that made the set recorded: the download labels read it.
    (work / "job.json").write_text(json.dumps({"plan": plan.to_dict(), "probe": info.to_dict()}))
    return out


@pytest.fixture
def video(player_output, teacher, intranet_settings) -> Resource:
    """A READY intranet video with the published set, as the pipeline leaves one (with
    the record of the job that made it)."""
    resource = publish_set(
        player_output,
        teacher,
        output_set=OUTPUT_SET,
        title="测试课 勾股定理",
        description="三秒钟的测试视频。",
        duration=3.0,
    )
    job = json.loads((player_output.parent / "job.json").read_text())
    ProcessingJob.objects.create(
        resource=resource,
        plan=job["plan"],
        probe_info=job["probe"],
        output_prefix=resource.output_prefix,
        state=ProcessingJob.State.READY,
        percent=100,
    )
    return resource


@pytest.fixture
def visitor(browser):
    """``visitor(**context_options)`` → a page of an anonymous phone-sized browser."""
    contexts = []

    def open_(**options):
        context = browser.new_context(viewport=PHONE, locale="en-US", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_
    for context in contexts:
        context.close()


def segment_urls(page) -> list[str]:
    """Media segment URLs the page has requested (init segments are .mp4)."""
    urls: list[str] = []
    page.on("request", lambda request: ".m4s?" in request.url and urls.append(request.url))
    return urls


def start_playing(page) -> None:
    page.wait_for_function(HLS_READY)
    page.locator(".player-big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")


def test_the_player_plays_the_video(visitor, live_server, video):
    page = visitor()
    requested = segment_urls(page)
    response = page.goto(f"{live_server.url}/watch/{video.pk}/")
    assert response.status == 200
    expect()(page.locator("h1")).to_have_text("测试课 勾股定理")
    poster = page.locator("video").get_attribute("poster")
    assert poster.startswith(f"/stream/{video.pk}/{OUTPUT_SET}/poster.jpg?exp=")

    start_playing(page)
    assert page.evaluate("() => document.getElementById('player').dataset.state") in (
        "playing",
        "ended",
    )
    assert page.evaluate("() => document.querySelector('video').buffered.length") >= 1
    assert requested, "no media segment was fetched"
    # The thumbnail track was fetched and parsed into previews for the seek bar.
    page.wait_for_function(
        "() => document.getElementById('player').classList.contains('has-thumbnails')"
    )
    box = page.locator(".player-seek").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    preview = page.locator(".player-preview-image")
    expect()(preview).to_be_visible()
    assert "sprite.jpg" in preview.evaluate("el => el.style.backgroundImage")
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.errors == []


def test_quality_menu_lists_the_rungs(visitor, live_server, video):
    page = visitor()
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    page.wait_for_function(HLS_READY)
    select = page.locator(".player-quality")
    expect()(select).to_be_visible()
    labels = [label.strip() for label in select.locator("option").all_inner_texts()]
    assert labels[0].startswith("Auto")
    assert labels[1:] == ["360p", "240p"]

    select.select_option(label="240p")
    page.wait_for_function(
        "() => { const h = window.playerHls; return h.levels[h.loadLevel].height === 240; }"
    )
    assert page.evaluate("() => window.playerHls.autoLevelEnabled") is False
    select.select_option(value="-1")
    assert page.evaluate("() => window.playerHls.autoLevelEnabled") is True


def test_outside_the_intranet_the_page_says_why(visitor, live_server, video, settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    page = visitor(extra_http_headers={"X-Forwarded-For": "8.8.8.8"})
    response = page.goto(f"{live_server.url}/watch/{video.pk}/")
    assert response.status == 403
    main = page.locator("main")
    expect()(main).to_contain_text("available only on the education intranet")
    expect()(main).to_contain_text("8.8.8.8")
    assert page.locator("video").count() == 0


def test_tampered_and_expired_segment_urls_are_refused(visitor, live_server, video):
    page = visitor()
    requested = segment_urls(page)
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    start_playing(page)
    assert requested
    url = requested[0]
    assert page.request.get(url).status == 200

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    tampered = {**query, "sig": ("0" if query["sig"][0] != "0" else "1") + query["sig"][1:]}
    assert page.request.get(urlunsplit(parts._replace(query=urlencode(tampered)))).status == 403

    # A genuinely signed token whose time is up.
    expired = make_token(stream_scope(video.pk), ttl=60, now=time.time() - 3600)
    assert page.request.get(urlunsplit(parts._replace(query=urlencode(expired)))).status == 403
    # Someone else's valid time with this signature.
    later = {**query, "exp": str(int(query["exp"]) + 60)}
    assert page.request.get(urlunsplit(parts._replace(query=urlencode(later)))).status == 403


def test_an_expired_token_mid_play_is_recovered(visitor, live_server, video):
    """The first media segment answers 403 (as after STREAM_TOKEN_TTL): the player fetches
    the master playlist again (fresh tokens) and plays on."""
    page = visitor()
    masters: list[str] = []
    page.on("request", lambda r: "/master.m3u8" in r.url and masters.append(r.url))
    refused: list[str] = []

    def expire_once(route):
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=403, body="token_expired")
        else:
            route.continue_()

    page.route("**/*.m4s?*", expire_once)
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    start_playing(page)
    assert refused, "the test did not refuse a segment"
    assert len(masters) >= 2, "the player did not fetch fresh tokens"
    assert page.locator(".player-message").is_hidden()
    assert page.errors == []


def test_keyboard_shortcuts(visitor, live_server, video):
    page = visitor()
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    page.wait_for_function(HLS_READY)
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.locator("h1").click()
    page.keyboard.press("m")
    assert page.evaluate("() => document.querySelector('video').muted") is True
    page.keyboard.press("5")
    assert page.evaluate("() => document.querySelector('video').currentTime") == pytest.approx(
        1.5, abs=0.2
    )
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.querySelector('video').currentTime") < 0.2
    page.keyboard.press("k")
    page.wait_for_function("() => !document.querySelector('video').paused")
    # Typing in a form field is not a shortcut.
    page.locator(".player-speed").focus()
    page.keyboard.press("m")
    assert page.evaluate("() => document.querySelector('video').muted") is True


def test_resume_position_and_viewing_beacons_are_posted(open_page, live_server, video, teacher):
    page = open_page(teacher)
    posts: list = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r))
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    expect()(page.locator(".watch-stats")).to_be_visible()
    expect()(page.locator(".watch-downloads a")).to_have_text(
        # A 640×360 source: the copy is its 360p rung, not the 720p a larger one would get.
        ["Download the original file (640×360)", "Download MP4 (360p)"]
    )
    start_playing(page)
    page.locator("h1").click()
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('video').paused")
    page.wait_for_timeout(300)

    def bodies(suffix: str) -> list[dict]:
        found = [r for r in posts if r.url.endswith(suffix)]
        for request in found:
            assert request.headers["x-csrftoken"]
            assert request.headers["content-type"] == "application/json"
        return [request.post_data_json for request in found]

    beacons = bodies(f"/stream/{video.pk}/beacon")
    assert beacons[0]["event"] == "play" and beacons[0]["viewer"]
    assert {b["viewer"] for b in beacons} == {beacons[0]["viewer"]}
    progress = [b for b in beacons if b["event"] == "progress"]
    assert progress and 0.2 < sum(b["seconds"] for b in progress) <= 3.1
    positions = bodies(f"/stream/{video.pk}/position")
    assert positions and 0.3 < positions[-1]["position"] <= 3.0


def test_processing_page_shows_progress_and_turns_into_the_player(
    visitor, live_server, teacher, intranet_settings, player_output
):
    resource = Resource.objects.create(
        title="还在处理",
        kind=Resource.Kind.VIDEO,
        uploader=teacher,
        org_unit=teacher.org_unit,
        status=Resource.Status.PROCESSING,
        state="published",
    )
    job = ProcessingJob.objects.create(resource=resource, percent=30)
    page = visitor()
    page.goto(f"{live_server.url}/watch/{resource.pk}/")
    status = page.locator("#processing-status")
    expect()(status).to_contain_text("30%")

    write(lambda: ProcessingJob.objects.filter(pk=job.pk).update(percent=65))
    expect()(status).to_contain_text("65%", timeout=10_000)

    prefix = publish.job_prefix(resource.pk, OUTPUT_SET)
    publish.upload_directory(get_storage(), player_output, prefix, threads=4)
    write(
        lambda: Resource.objects.filter(pk=resource.pk).update(
            status=Resource.Status.READY,
            output_prefix=prefix,
            poster_key=prefix + "poster.jpg",
            duration=3.0,
        )
    )
    expect()(page.locator("#player video")).to_be_attached(timeout=10_000)
    page.wait_for_function(HLS_READY)


def test_failed_processing_is_said_plainly(visitor, live_server, teacher, intranet_settings):
    resource = Resource.objects.create(
        title="坏文件",
        kind=Resource.Kind.VIDEO,
        uploader=teacher,
        org_unit=teacher.org_unit,
        status=Resource.Status.PROCESSING,
        state="published",
    )
    page = visitor()
    page.goto(f"{live_server.url}/watch/{resource.pk}/")
    write(lambda: Resource.objects.filter(pk=resource.pk).update(status=Resource.Status.FAILED))
    error = page.locator(".processing-error")
    expect()(error).to_contain_text("could not be prepared for playback", timeout=10_000)
    expect()(page.locator("#processing")).to_have_attribute("data-state", "failed")


def write(update, timeout: float = 10) -> None:
    """The test database is SQLite in shared-cache memory, where a write meeting the live
    server thread's read fails at once ("table is locked"): try again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            update()
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_without_hls_js_the_browser_plays_hls_itself(visitor, live_server, video):
    """Safari and iOS: no MediaSource for hls.js, the <video> element takes the playlist."""
    page = visitor()
    page.route(
        "**/hls.min.js", lambda route: route.fulfill(body="", content_type="text/javascript")
    )
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    if not page.evaluate(
        "() => document.querySelector('video').canPlayType('application/vnd.apple.mpegurl')"
    ):
        pytest.skip("this Chromium has no native HLS")
    assert page.evaluate("() => document.querySelector('video').src").endswith("/master.m3u8")
    page.locator(".player-big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    expect()(page.locator(".player-quality-box")).to_be_hidden()
    assert page.errors == []


def test_signed_in_viewer_resumes_where_they_stopped(open_page, live_server, video, teacher):
    from media_pipeline.streaming.positions import save_position

    # Far from the end of the (nominal) length, so the page resumes rather than restarts.
    write(lambda: Resource.objects.filter(pk=video.pk).update(duration=100.0))
    write(lambda: save_position(teacher, Resource.objects.get(pk=video.pk), 1.5))
    page = open_page(teacher)
    page.goto(f"{live_server.url}/watch/{video.pk}/")
    expect()(page.locator("#watch-resume")).to_contain_text("Continuing from 0:01")
    page.wait_for_function("() => document.querySelector('video').currentTime >= 1.4")
    page.get_by_role("button", name="Start from the beginning").click()
    page.wait_for_function("() => !document.querySelector('video').paused")
    assert page.evaluate("() => document.querySelector('video').currentTime") < 1.4
    expect()(page.locator("#watch-resume")).to_be_hidden()
