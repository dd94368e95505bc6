"""Play beacons attacked as a review did: 50 anonymous beacons with new viewer ids used to
add 50 plays and 50 viewers. Beyond the limits beacons are still answered 204 (the player
never retries, and a 429 would tell a script when to switch addresses) but not counted.

With REDIS_URL set (CI) the limits live in Redis, the cache every process shares;
otherwise in a local-memory cache of this test.
"""

from __future__ import annotations

import ipaddress
import json
import os
import uuid

import pytest
from django.core.cache import caches
from django.test import Client

from edu_portal.redisclient import get_client
from media_pipeline.streaming import stats
from tests.streaming.conftest import ready_row

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL", "")
SCHOOL = {"REMOTE_ADDR": "10.1.2.3"}
OTHER_SCHOOL = {"REMOTE_ADDR": "10.7.7.7"}


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Own keys per test (the limits' cache keys carry this prefix), nothing flushed."""
    settings.STATS_FLUSH_SECONDS = 3600
    settings.VIEW_STATS_REDIS_PREFIX = prefix = f"test:vstats:{uuid.uuid4().hex}:"
    if not REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"beacon-limits-{uuid.uuid4().hex}",
            }
        }
    stats._local.clear()
    yield
    stats._local.clear()
    if REDIS_URL:  # the cache's keys carry a version before the prefix: ":1:test:vstats:…"
        client = get_client(REDIS_URL)
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(
    params=[
        "local",
        pytest.param(
            "redis", marks=pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")
        ),
    ]
)
def backend(request, settings):
    settings.REDIS_URL = REDIS_URL if request.param == "redis" else ""
    return request.param


@pytest.fixture
def video(teacher, intranet_settings):
    return ready_row(teacher)


def beacon(client: Client, resource, event="play", viewer=None, seconds=None, **extra):
    body = {"event": event, "viewer": viewer or uuid.uuid4().hex}
    if seconds is not None:
        body["seconds"] = seconds
    return client.post(
        f"/stream/{resource.pk}/beacon",
        json.dumps(body),
        content_type="application/json",
        **extra,
    )


def test_fifty_new_anonymous_viewers_from_one_address_do_not_add_fifty_plays(
    backend, client, video, settings
):
    assert settings.STATS_NEW_VIEWERS_PER_ADDRESS == 30  # the default
    answers = [beacon(client, video, **SCHOOL).status_code for _ in range(50)]
    assert answers == [204] * 50  # silently ignored, not refused
    figures = stats.resource_stats(video)
    assert figures["plays"] == 30
    assert figures["unique_viewers"] == 30
    # Their progress beacons do not count either (no watch time, no viewers).
    for _ in range(10):
        assert beacon(client, video, "progress", seconds=90, **SCHOOL).status_code == 204
    assert stats.resource_stats(video) == {"plays": 30, "unique_viewers": 30, "watch_seconds": 0}

    # Another address is not affected, nor is another resource from the same address.
    assert beacon(client, video, **OTHER_SCHOOL).status_code == 204
    assert stats.resource_stats(video)["plays"] == 31
    other = ready_row(video.uploader)
    beacon(client, other, **SCHOOL)
    assert stats.resource_stats(other)["plays"] == 1

    stats.flush()
    assert stats.resource_stats(video)["plays"] == 31


def test_viewers_admitted_before_the_limit_keep_counting(backend, client, video, settings):
    settings.STATS_NEW_VIEWERS_PER_ADDRESS = 2
    beacon(client, video, viewer="pupil-1", **SCHOOL)
    beacon(client, video, viewer="pupil-2", **SCHOOL)
    beacon(client, video, viewer="pupil-3", **SCHOOL)  # over the limit
    beacon(client, video, "progress", viewer="pupil-1", seconds=30, **SCHOOL)
    beacon(client, video, "progress", viewer="pupil-3", seconds=30, **SCHOOL)
    assert stats.resource_stats(video) == {"plays": 2, "unique_viewers": 2, "watch_seconds": 30}


def test_a_viewer_replaying_counts_one_play_per_window(backend, client, student, video, settings):
    assert settings.STATS_PLAY_REPEAT_MINUTES == 30  # the default
    for _ in range(20):
        assert beacon(client, video, viewer="same-browser", **SCHOOL).status_code == 204
    assert stats.resource_stats(video)["plays"] == 1
    # Signed in: the account is the viewer, whatever viewer ids the script sends.
    signed_in = Client()
    signed_in.force_login(student)
    for _ in range(20):
        beacon(signed_in, video, **SCHOOL)
    assert stats.resource_stats(video) == {"plays": 2, "unique_viewers": 2, "watch_seconds": 0}
    # Progress of a counted viewer is still counted.
    beacon(client, video, "progress", viewer="same-browser", seconds=30, **SCHOOL)
    assert stats.resource_stats(video)["watch_seconds"] == 30


def test_without_a_repeat_window_every_play_counts(backend, client, video, settings):
    settings.STATS_PLAY_REPEAT_MINUTES = 0
    for _ in range(3):
        beacon(client, video, viewer="same-browser", **SCHOOL)
    assert stats.resource_stats(video)["plays"] == 3


def test_signed_in_viewers_are_not_limited_by_address(backend, video, school, settings):
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    settings.STATS_NEW_VIEWERS_PER_ADDRESS = 1
    for n in range(3):
        pupil = Client()
        pupil.force_login(make_user(f"pupil_{n}", Role.STUDENT, school))
        beacon(pupil, video, **SCHOOL)
    assert stats.resource_stats(video) == {"plays": 3, "unique_viewers": 3, "watch_seconds": 0}


def test_viewers_without_a_browser_id_are_limited_too(backend, client, video, settings):
    """No viewer id: address and user agent make the viewer, so a script varies the agent."""
    settings.STATS_NEW_VIEWERS_PER_ADDRESS = 3
    for n in range(10):
        client.post(
            f"/stream/{video.pk}/beacon",
            json.dumps({"event": "play", "viewer": ""}),
            content_type="application/json",
            HTTP_USER_AGENT=f"agent-{n}",
            **SCHOOL,
        )
    assert stats.resource_stats(video)["plays"] == 3


def test_an_ipv6_network_counts_as_one_address(backend, client, video, settings):
    settings.INTRANET_NETWORKS = [*settings.INTRANET_NETWORKS, ipaddress.ip_network("fd00::/8")]
    settings.STATS_NEW_VIEWERS_PER_ADDRESS = 2
    for n in range(1, 6):
        beacon(client, video, REMOTE_ADDR=f"fd00:1:2:3::{n:x}")
    beacon(client, video, REMOTE_ADDR="fd00:1:2:4::1")  # another /64
    assert stats.resource_stats(video)["plays"] == 3
    assert stats.address_group("fd00:1:2:3::7") == "fd00:1:2:3::"
    assert stats.address_group("10.1.2.3") == "10.1.2.3"
    assert stats.address_group(None) == "-"


def test_a_failing_cache_drops_the_beacon_not_the_request(client, video, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("cache unavailable")

    monkeypatch.setattr(type(caches["default"]), "get", broken)
    assert beacon(client, video, **SCHOOL).status_code == 204
    assert stats.resource_stats(video)["plays"] == 0
