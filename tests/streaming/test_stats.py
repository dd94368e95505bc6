"""Viewing statistics: beacons, the two recorder backends, flushing and the API.

The Redis cases run only when REDIS_URL is set (CI sets it); each uses its own key
prefix and removes its keys afterwards.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Resource
from edu_portal.accounts.roles import Role
from edu_portal.redisclient import get_client
from media_pipeline.streaming import stats
from media_pipeline.streaming.models import DailyViewStats, ResourceViewer, ViewStatsBatch
from media_pipeline.streaming.tasks import flush_view_stats
from tests.people import make_user
from tests.streaming.conftest import ready_row

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")
BACKENDS = ["local", pytest.param("redis", marks=needs_redis)]
OUTSIDE = {"REMOTE_ADDR": "8.8.8.8"}


@pytest.fixture(autouse=True)
def _isolated_recorders(settings):
    # Never flush by itself during a test, and leave nothing for the atexit flush (which
    # would otherwise write to whatever database the process sees at exit). Every test
    # gets its own Redis keys, removed afterwards, whichever backend it ends up using.
    settings.STATS_FLUSH_SECONDS = 3600
    settings.VIEW_STATS_REDIS_PREFIX = prefix = f"test:vstats:{uuid.uuid4().hex}:"
    stats._local.clear()
    yield
    stats._local.clear()
    if REDIS_URL:
        client = get_client(REDIS_URL)
        # (the limits' keys, in the Django cache, carry a version first: ":1:test:…")
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    settings.REDIS_URL = REDIS_URL if request.param == "redis" else ""
    return request.param


@pytest.fixture
def redis_backend(settings):
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    settings.REDIS_URL = REDIS_URL
    return stats.get_recorder()


@pytest.fixture
def video(teacher, intranet_settings):
    return ready_row(teacher)


def send(client: Client, resource, event="play", seconds=None, viewer="browser-1", **extra):
    body = {"event": event, "viewer": viewer}
    if seconds is not None:
        body["seconds"] = seconds
    return client.post(
        f"/stream/{resource.pk}/beacon",
        json.dumps(body),
        content_type="application/json",
        **extra,
    )


def db_figures(resource) -> tuple[int, float, int]:
    rows = DailyViewStats.objects.filter(resource=resource)
    return (
        sum(r.plays for r in rows),
        sum(r.watch_seconds for r in rows),
        ResourceViewer.objects.filter(resource=resource).count(),
    )


# --- counting ------------------------------------------------------------------------------


def test_beacons_count_without_writing_to_the_database(backend, client, video):
    with CaptureQueriesContext(connection) as queries:
        assert send(client, video, "play").status_code == 204
        assert send(client, video, "progress", 30).status_code == 204
        assert send(client, video, "progress", 30.5).status_code == 204
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    assert db_figures(video) == (0, 0, 0)
    # Buffered figures are already visible.
    assert stats.resource_stats(video) == {"plays": 1, "unique_viewers": 1, "watch_seconds": 60.5}

    stats.flush()
    assert db_figures(video) == (1, 60.5, 1)
    assert stats.resource_stats(video) == {"plays": 1, "unique_viewers": 1, "watch_seconds": 60.5}
    row = DailyViewStats.objects.get(resource=video)
    assert row.date == timezone.localdate()

    # A second flush has nothing to add.
    stats.flush()
    assert db_figures(video) == (1, 60.5, 1)


def test_flushes_add_up(backend, client, video):
    send(client, video, "play")
    stats.flush()
    send(client, video, "play", viewer="browser-2")
    send(client, video, "progress", 10, viewer="browser-2")
    stats.flush()
    assert db_figures(video) == (2, 10, 2)
    assert DailyViewStats.objects.filter(resource=video).count() == 1


def test_watch_time_is_clamped_per_beacon(backend, client, video):
    send(client, video, "progress", 5000)
    send(client, video, "progress", -20)
    send(client, video, "progress", 12)
    assert stats.resource_stats(video)["watch_seconds"] == 102
    assert stats.resource_stats(video)["plays"] == 0
    stats.flush()
    assert db_figures(video)[1] == 102


def test_unique_viewers_anonymous_and_signed_in(backend, client, video, student):
    send(client, video, viewer="browser-a")
    send(client, video, viewer="browser-a")
    send(client, video, viewer="browser-b")
    # No browser id: address and user agent stand in for it.
    send(client, video, viewer=None, HTTP_USER_AGENT="Firefox")
    send(client, video, viewer=None, HTTP_USER_AGENT="Firefox")
    send(client, video, viewer="", HTTP_USER_AGENT="Chrome")
    send(client, video, viewer=None, HTTP_USER_AGENT="Chrome")
    signed_in = Client()
    signed_in.force_login(student)
    # A signed-in user is one viewer whatever the browser says.
    send(signed_in, video, viewer="browser-c")
    send(signed_in, video, viewer="browser-d")
    assert stats.resource_stats(video)["unique_viewers"] == 5
    # A viewer's play counts once per STATS_PLAY_REPEAT_MINUTES (test_beacon_limits.py).
    assert stats.resource_stats(video)["plays"] == 5
    stats.flush()
    assert stats.resource_stats(video)["unique_viewers"] == 5
    keys = set(ResourceViewer.objects.values_list("viewer_key", flat=True))
    assert f"u:{student.pk}" in keys
    # Privacy: neither the browser's id nor the address is stored.
    assert not any("browser" in key or "127.0.0.1" in key for key in keys)

    # Seen again after the flush: still the same viewers.
    send(client, video, viewer="browser-a")
    send(signed_in, video)
    assert stats.resource_stats(video)["unique_viewers"] == 5
    stats.flush()
    assert ResourceViewer.objects.filter(resource=video).count() == 5


def test_stats_are_per_resource(backend, client, teacher, video):
    other = ready_row(teacher)
    send(client, video)
    send(client, other, "progress", 20)
    stats.flush()
    assert stats.resource_stats(video) == {"plays": 1, "unique_viewers": 1, "watch_seconds": 0}
    assert stats.resource_stats(other) == {"plays": 0, "unique_viewers": 1, "watch_seconds": 20}


def test_beacons_of_a_resource_deleted_meanwhile_are_dropped(backend, teacher, video):
    other = ready_row(teacher)
    stats.record_beacon(video.pk, "b:x", play=True, seconds=3)
    stats.record_beacon(other.pk, "b:x", play=True, seconds=3)
    Resource.objects.filter(pk=other.pk).delete()
    stats.flush()
    assert db_figures(video) == (1, 3, 1)
    assert not DailyViewStats.objects.filter(resource_id=other.pk).exists()


def test_flush_task(backend, client, video):
    send(client, video)
    results = flush_view_stats()
    assert isinstance(results, list) and results
    assert db_figures(video) == (1, 0, 1)


# --- the in-process buffer ------------------------------------------------------------------


def test_local_buffer_flushes_itself_after_the_interval(settings, client, video):
    settings.REDIS_URL = ""
    send(client, video)
    assert db_figures(video) == (0, 0, 0)
    settings.STATS_FLUSH_SECONDS = 1
    stats._local._last_flush -= 5
    send(client, video, "progress", 7)
    assert db_figures(video) == (1, 7, 1)


def test_local_buffer_keeps_figures_when_the_database_write_fails(
    settings, client, video, monkeypatch
):
    settings.REDIS_URL = ""
    send(client, video, "progress", 9)

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(stats, "apply_batch", broken)
    with pytest.raises(RuntimeError):
        stats.flush()
    monkeypatch.undo()
    assert db_figures(video) == (0, 0, 0)
    stats.flush()
    assert db_figures(video) == (0, 9, 1)


# --- Redis: flushing while beacons arrive, and after a crash ---------------------------------


def test_redis_beacons_during_a_flush_are_neither_lost_nor_double_counted(
    redis_backend, client, video, monkeypatch
):
    send(client, video, "play", viewer="early")
    send(client, video, "progress", 30, viewer="early")
    original = stats.apply_batch

    def apply_while_beacons_arrive(counters, viewers, batch_id=None):
        # The live keys have been renamed by now: these land in fresh ones.
        send(client, video, "play", viewer="late")
        send(client, video, "progress", 20, viewer="late")
        return original(counters, viewers, batch_id=batch_id)

    monkeypatch.setattr(stats, "apply_batch", apply_while_beacons_arrive)
    stats.flush()
    monkeypatch.undo()
    assert db_figures(video) == (1, 30, 1)
    assert stats.resource_stats(video) == {"plays": 2, "unique_viewers": 2, "watch_seconds": 50}
    stats.flush()
    assert db_figures(video) == (2, 50, 2)
    stats.flush()
    assert db_figures(video) == (2, 50, 2)


def test_redis_flush_that_crashed_after_commit_is_not_counted_twice(
    redis_backend, client, video, monkeypatch
):
    send(client, video, "play")
    send(client, video, "progress", 15)
    redis_client = redis_backend.client

    def crash(*keys):
        raise ConnectionError("worker killed")

    monkeypatch.setattr(redis_client, "delete", crash)
    with pytest.raises(ConnectionError):
        stats.flush()
    monkeypatch.undo()
    assert db_figures(video) == (1, 15, 1)
    # The batch is committed but its keys remain: shown once, not twice.
    assert stats.resource_stats(video) == {"plays": 1, "unique_viewers": 1, "watch_seconds": 15}
    send(client, video, "play", viewer="browser-2")

    results = stats.flush()  # cleans up the old batch, without counting it again
    assert results[0]["applied"] is False
    stats.flush()  # the new beacon
    assert db_figures(video) == (2, 15, 2)
    assert ViewStatsBatch.objects.count() == 2
    assert not redis_client.exists(redis_backend.flushing, redis_backend.batch)


def test_redis_flush_that_failed_before_commit_is_retried(
    redis_backend, client, video, monkeypatch
):
    send(client, video, "play")

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(stats, "apply_batch", broken)
    with pytest.raises(RuntimeError):
        stats.flush()
    monkeypatch.undo()
    assert db_figures(video) == (0, 0, 0)
    assert stats.resource_stats(video)["plays"] == 1
    stats.flush()
    assert db_figures(video) == (1, 0, 1)


def test_redis_flush_skips_while_another_holds_the_lock(redis_backend, client, video):
    send(client, video)
    redis_backend.client.set(redis_backend.lock, "someone-else", ex=60)
    assert stats.flush()[0] == {"backend": "redis", "skipped": True}
    assert db_figures(video) == (0, 0, 0)
    redis_backend.client.delete(redis_backend.lock)
    stats.flush()
    assert db_figures(video) == (1, 0, 1)


# --- the beacon endpoint --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"viewer": "x"}', "invalid_event"),
        ('{"event": "pause", "viewer": "x"}', "invalid_event"),
        ('{"event": "progress", "seconds": "30"}', "invalid_seconds"),
        ('{"event": "progress", "seconds": NaN}', "invalid_seconds"),
        ('{"event": "progress", "seconds": Infinity}', "invalid_seconds"),
        ('{"event": "progress", "seconds": true}', "invalid_seconds"),
        ('{"event": "play", "viewer": 12}', "invalid_viewer"),
        ('{"event": "play", "viewer": "' + "x" * 65 + '"}', "invalid_viewer"),
        ('{"event": "play", "viewer": "has space"}', "invalid_viewer"),
        ('{"event": "play", "viewer": "' + "x" * 3000 + '"}', "too_large"),
    ],
)
def test_beacon_bad_input_is_400_with_a_sentence(client, video, body, code):
    response = client.post(f"/stream/{video.pk}/beacon", body, content_type="application/json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == code
    assert data["detail"].endswith(".")
    assert stats.resource_stats(video)["plays"] == 0


def test_beacon_from_outside_the_intranet_is_refused(client, video):
    response = send(client, video, **OUTSIDE)
    assert response.status_code == 403
    assert response.json()["code"] == "outside_intranet"
    assert stats.resource_stats(video)["unique_viewers"] == 0


def test_beacon_for_missing_removed_or_unready_videos(client, teacher, video):
    assert send(client, Resource(pk=999999)).status_code == 404
    processing = ready_row(teacher, status="processing")
    assert send(client, processing).json()["code"] == "not_ready"
    video.deleted_at = timezone.now()
    video.save(update_fields=["deleted_at"])
    assert send(client, video).status_code == 410


def test_beacon_only_accepts_post(client, video):
    assert client.get(f"/stream/{video.pk}/beacon").status_code == 405


def test_beacon_needs_the_csrf_token(video):
    browser = Client(enforce_csrf_checks=True)
    assert send(browser, video).status_code == 403
    token = "a" * 32
    browser.cookies["csrftoken"] = token
    assert send(browser, video, HTTP_X_CSRFTOKEN=token).status_code == 204
    assert stats.resource_stats(video)["plays"] == 1


# --- the statistics API ---------------------------------------------------------------------


def stats_url(resource) -> str:
    return f"/api/v1/resources/{resource.pk}/stats/"


def test_api_shows_figures_to_the_uploader(backend, client, teacher, video):
    send(client, video, "play")
    send(client, video, "progress", 45)
    DailyViewStats.objects.create(
        resource=video,
        date=timezone.localdate() - timezone.timedelta(days=3),
        plays=4,
        watch_seconds=100,
    )
    # Older than the 30 days shown day by day, still in the totals.
    DailyViewStats.objects.create(
        resource=video,
        date=timezone.localdate() - timezone.timedelta(days=40),
        plays=2,
        watch_seconds=10,
    )
    client.force_login(teacher)
    response = client.get(stats_url(video))
    assert response.status_code == 200
    data = response.json()
    assert data["plays"] == 7
    assert data["unique_viewers"] == 1
    assert data["watch_seconds"] == 155
    daily = data["daily"]
    assert len(daily) == 30
    assert daily[-1] == {
        "date": timezone.localdate().isoformat(),
        "plays": 1,
        "watch_seconds": 45.0,
    }
    assert daily[-4]["plays"] == 4
    assert sum(day["plays"] for day in daily) == 5
    assert [day["date"] for day in daily] == sorted(day["date"] for day in daily)


def test_api_is_for_the_uploader_and_administrators(client, school, bureau, video):
    other_teacher = make_user("teacher_zhang", Role.TEACHER, school)
    admin = make_user("admin_zhao", Role.BUREAU_ADMIN, bureau)
    school_admin = make_user("principal_sun", Role.SCHOOL_ADMIN, school)

    assert client.get(stats_url(video)).status_code in (401, 403)
    for person in (other_teacher, school_admin):
        client.force_login(person)
        response = client.get(stats_url(video))
        assert response.status_code == 403
        body = response.json()
        assert body["code"] == "permission_denied"
        assert "uploader" in body["detail"]
    client.force_login(admin)
    assert client.get(stats_url(video)).status_code == 200
    assert client.get("/api/v1/resources/999999/stats/").status_code == 404


def test_api_is_in_the_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/resources/") and "stats" in p]
    assert paths
    operation = schema["paths"][paths[0]]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"plays", "unique_viewers", "watch_seconds", "daily"} <= set(component["properties"])
