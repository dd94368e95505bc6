"""Viewing statistics: plays, unique viewers and watch time per resource, recorded cheaply.

The player sends a beacon when playback starts and about every 30 s while it plays. A
beacon never writes to the database: it goes to a recorder, and the buffered counters are
moved into the database in one transaction per flush.

* ``RedisRecorder`` (when ``REDIS_URL`` is set): one MULTI pipeline per beacon into a live
  hash and a live set shared by every web process. The beat task
  ``media_pipeline.flush_view_stats`` (every ``STATS_FLUSH_SECONDS``) renames both to
  "flushing" keys in one Lua script, so beacons arriving meanwhile land in fresh live keys
  and are neither lost nor counted twice. The batch carries an id recorded in the same
  database transaction as the counters: a flush that crashed after the commit but before
  deleting the flushing keys is recognised on the next run and only cleaned up.
* ``LocalRecorder`` (no Redis): a thread-safe in-process buffer, flushed on the next
  beacon once ``STATS_FLUSH_SECONDS`` have passed, at process exit (atexit) and by the same
  beat task (which then flushes the worker's own, usually empty, buffer).

Limits (``admit_beacon``, in the Django cache, so shared by all processes with Redis): a
viewer's play counts once per resource in ``STATS_PLAY_REPEAT_MINUTES``, and one client
address (an IPv6 /64) brings at most ``STATS_NEW_VIEWERS_PER_ADDRESS`` new anonymous
viewers to a resource per hour; beacons of viewers beyond that are not counted at all.
Excess beacons are dropped silently (the view still answers 204): the player never
retries a beacon, and a 429 would only tell a script when to switch addresses.

Database side (models.py): ``DailyViewStats`` per resource and local day, updated with F()
expressions; ``ResourceViewer`` one row per (resource, viewer key), inserted with
``ignore_conflicts``, so unique viewers over all time is a count of rows.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import ipaddress
import logging
import math
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from catalog.models import Resource
from edu_portal.redisclient import get_client, release_lock
from media_pipeline.streaming.models import DailyViewStats, ResourceViewer, ViewStatsBatch

log = logging.getLogger(__name__)

# The player sends progress at most every 30 s; anything above this per beacon is a client
# trying to inflate the totals (or a tab that slept), so it counts as this much at most.
MAX_BEACON_SECONDS = 90.0
# Applied Redis batch ids are only needed until the batch's keys are gone (minutes).
BATCH_ID_KEEP_DAYS = 7
DEFAULT_REDIS_PREFIX = "edu:vstats:"
_HMAC_SALT = "media_pipeline.streaming.stats.viewer"

Counters = dict[tuple[int, datetime.date], list]  # (resource id, day) -> [plays, seconds]


# --- viewer identity -----------------------------------------------------------------------


def viewer_key(user, browser_id: str | None, ip: str | None, user_agent: str) -> str:
    """Who counts as one viewer, at most 64 characters and never a raw address.

    Signed-in users are ``u:<id>``; otherwise a keyed hash of the opaque id the browser
    keeps in localStorage (``b:``), or, without one, of address and user agent (``n:``).
    The hash is keyed with SECRET_KEY so the table cannot be matched back to addresses.
    """
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    if browser_id:
        return "b:" + salted_hmac(_HMAC_SALT, browser_id, algorithm="sha256").hexdigest()[:40]
    material = f"{ip or '-'}|{hashlib.sha256(user_agent.encode()).hexdigest()}"
    return "n:" + salted_hmac(_HMAC_SALT, material, algorithm="sha256").hexdigest()[:40]


def clamp_seconds(seconds: float) -> float:
    if not math.isfinite(seconds):
        return 0.0
    return min(max(seconds, 0.0), MAX_BEACON_SECONDS)


# --- limits against inflated figures ------------------------------------------------------

#: The window in which an address's new anonymous viewers of a resource are counted.
NEW_VIEWER_WINDOW = 3600
#: How long an admitted anonymous viewer stays admitted after admission.
ADMITTED_FOR = 24 * 3600


def _limit_key(*parts) -> str:
    prefix = getattr(settings, "VIEW_STATS_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
    return prefix + "limit:" + ":".join(str(part) for part in parts)


def address_group(ip: str | None) -> str:
    """The unit one client controls: an IPv4 address, or the /64 of an IPv6 address."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "-"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _admit_anonymous(resource_id: int, key: str, ip: str | None) -> bool:
    admitted = _limit_key("viewer", resource_id, key)
    if cache.get(admitted) is not None:
        return True
    window = int(time.time() // NEW_VIEWER_WINDOW)
    counter = _limit_key("new", resource_id, address_group(ip), window)
    cache.add(counter, 0, timeout=2 * NEW_VIEWER_WINDOW)
    try:
        admitted_so_far = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.add(counter, 1, timeout=2 * NEW_VIEWER_WINDOW)
        admitted_so_far = 1
    if admitted_so_far > settings.STATS_NEW_VIEWERS_PER_ADDRESS:
        return False
    cache.set(admitted, 1, timeout=ADMITTED_FOR)
    return True


def admit_beacon(resource_id: int, key: str, ip: str | None, *, play: bool) -> tuple[bool, bool]:
    """``(count the beacon, count its play)`` under the limits in the module docstring.

    Signed-in viewers (``u:``) are not limited by address: accounts are made by
    administrators, not by whoever sends beacons. If the cache fails, the beacon is not
    counted (statistics are best effort, inflation is what this prevents).
    """
    try:
        if not key.startswith("u:") and not _admit_anonymous(resource_id, key, ip):
            return False, False
        minutes = settings.STATS_PLAY_REPEAT_MINUTES
        if play and minutes:
            play = cache.add(_limit_key("play", resource_id, key), 1, timeout=minutes * 60)
        return True, play
    except Exception as exc:  # the cache backend's own errors (Redis, files)
        log.warning("viewing statistics beacon dropped, the cache failed: %s", exc)
        return False, False


# --- what is buffered for one resource -----------------------------------------------------


@dataclass
class Pending:
    """Figures of one resource that are recorded but not yet in the database."""

    daily: dict[datetime.date, list] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))
    viewers: set[str] = field(default_factory=set)

    def add(self, day: datetime.date, plays: int, seconds: float) -> None:
        entry = self.daily[day]
        entry[0] += plays
        entry[1] += seconds


# --- applying a batch to the database ------------------------------------------------------


def apply_batch(
    counters: Counters, viewers: set[tuple[int, str]], batch_id: str | None = None
) -> bool:
    """Add ``counters`` and ``viewers`` to the database in one transaction.

    With ``batch_id``, a batch already applied is skipped (returns False), which makes
    the Redis flush safe to repeat. Resources deleted since the beacon are left out.
    """
    counters = {key: value for key, value in counters.items() if value[0] or value[1]}
    ids = {rid for rid, _day in counters} | {rid for rid, _key in viewers}
    if not ids and batch_id is None:
        return True
    existing = set(Resource.objects.filter(pk__in=ids).values_list("pk", flat=True))
    with transaction.atomic():
        if batch_id is not None:
            try:
                with transaction.atomic():
                    ViewStatsBatch.objects.create(batch_id=batch_id)
            except IntegrityError:
                return False
        rows = [(rid, day) for rid, day in counters if rid in existing]
        # Make sure each row exists (another process may create it at the same time,
        # hence ignore_conflicts), then add with F() so concurrent flushes both count.
        DailyViewStats.objects.bulk_create(
            [DailyViewStats(resource_id=rid, date=day) for rid, day in rows],
            ignore_conflicts=True,
        )
        for rid, day in rows:
            plays, seconds = counters[(rid, day)]
            DailyViewStats.objects.filter(resource_id=rid, date=day).update(
                plays=F("plays") + int(plays), watch_seconds=F("watch_seconds") + float(seconds)
            )
        today = timezone.localdate()
        ResourceViewer.objects.bulk_create(
            [
                ResourceViewer(resource_id=rid, viewer_key=key, first_seen=today)
                for rid, key in viewers
                if rid in existing
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
    return True


# --- in-process recorder -------------------------------------------------------------------


class LocalRecorder:
    """Buffers beacons in this process; one database transaction per flush."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Only one flush at a time, so a batch put back after a failure keeps its order.
        self._flush_lock = threading.Lock()
        self._counters: Counters = defaultdict(lambda: [0, 0.0])
        self._viewers: set[tuple[int, str]] = set()
        self._last_flush = time.monotonic()

    def record(
        self, resource_id: int, key: str, *, play: bool, seconds: float, day: datetime.date
    ) -> None:
        with self._lock:
            entry = self._counters[(resource_id, day)]
            entry[0] += int(play)
            entry[1] += seconds
            self._viewers.add((resource_id, key))
            due = time.monotonic() - self._last_flush >= settings.STATS_FLUSH_SECONDS
        if due:
            try:
                self.flush()
            except Exception:
                # The figures were put back; the beacon itself succeeded.
                log.exception("could not flush the buffered viewing statistics")

    def pending(self, resource_id: int) -> Pending:
        result = Pending()
        with self._lock:
            for (rid, day), (plays, seconds) in self._counters.items():
                if rid == resource_id:
                    result.add(day, plays, seconds)
            result.viewers = {key for rid, key in self._viewers if rid == resource_id}
        return result

    def _take(self) -> tuple[Counters, set[tuple[int, str]]]:
        with self._lock:
            counters, viewers = self._counters, self._viewers
            self._counters = defaultdict(lambda: [0, 0.0])
            self._viewers = set()
            self._last_flush = time.monotonic()
        return counters, viewers

    def _put_back(self, counters: Counters, viewers: set[tuple[int, str]]) -> None:
        with self._lock:
            for key, (plays, seconds) in counters.items():
                entry = self._counters[key]
                entry[0] += plays
                entry[1] += seconds
            self._viewers |= viewers

    def flush(self) -> dict:
        if not self._flush_lock.acquire(blocking=False):
            return {"backend": "local", "skipped": True}
        try:
            counters, viewers = self._take()
            if not counters and not viewers:
                return {"backend": "local", "resources": 0}
            try:
                apply_batch(counters, viewers)
            except Exception:
                # Keep the figures for the next flush rather than losing them.
                self._put_back(counters, viewers)
                raise
            return {"backend": "local", "resources": len({rid for rid, _ in counters})}
        finally:
            self._flush_lock.release()

    def clear(self) -> None:
        """Forget everything buffered (tests)."""
        self._take()


_local = LocalRecorder()


@atexit.register
def _flush_at_exit() -> None:
    try:
        _local.flush()
    except Exception:  # the process is going away: say so and let it go
        log.exception("could not flush the buffered viewing statistics at exit")


# --- Redis recorder ------------------------------------------------------------------------

# Move the live keys aside for a flush, atomically with respect to every beacon pipeline.
# KEYS: live hash, live set, batch id, flushing hash, flushing set. ARGV: a new batch id.
# A batch left by an earlier flush that did not finish is returned instead, to be retried.
_TAKE_BATCH = """
local pending = redis.call('GET', KEYS[3])
if pending then return pending end
local moved = 0
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[4]); moved = 1 end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[5]); moved = 1 end
if moved == 0 then return false end
redis.call('SET', KEYS[3], ARGV[1])
return ARGV[1]
"""


class RedisRecorder:
    """Counters in Redis shared by all processes; see the module docstring."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = get_client(url)
        self.live = f"{prefix}live"
        self.live_viewers = f"{prefix}live:viewers"
        self.flushing = f"{prefix}flushing"
        self.flushing_viewers = f"{prefix}flushing:viewers"
        self.batch = f"{prefix}flushing:batch"
        self.lock = f"{prefix}flush:lock"

    def record(
        self, resource_id: int, key: str, *, play: bool, seconds: float, day: datetime.date
    ) -> None:
        pipe = self.client.pipeline(transaction=True)
        if play:
            pipe.hincrby(self.live, f"{resource_id}|{day.isoformat()}|p", 1)
        if seconds > 0:
            pipe.hincrbyfloat(self.live, f"{resource_id}|{day.isoformat()}|s", seconds)
        pipe.sadd(self.live_viewers, f"{resource_id}|{key}")
        pipe.execute()

    def _pending_from(self, result: Pending, hash_key: str, set_key: str, rid: int) -> None:
        for name, value in self.client.hscan_iter(hash_key, match=f"{rid}|*", count=500):
            _rid, day, kind = name.split("|")
            day = datetime.date.fromisoformat(day)
            if kind == "p":
                result.add(day, int(value), 0.0)
            else:
                result.add(day, 0, float(value))
        for member in self.client.sscan_iter(set_key, match=f"{rid}|*", count=500):
            result.viewers.add(member.split("|", 1)[1])

    def pending(self, resource_id: int) -> Pending:
        result = Pending()
        self._pending_from(result, self.live, self.live_viewers, resource_id)
        batch = self.client.get(self.batch)
        # A batch whose commit is done but whose keys are not yet deleted is already in
        # the database: counting it again would show twice the figures for a moment.
        if batch and not ViewStatsBatch.objects.filter(batch_id=batch).exists():
            self._pending_from(result, self.flushing, self.flushing_viewers, resource_id)
        return result

    def _read_batch(self) -> tuple[Counters, set[tuple[int, str]]]:
        counters: Counters = defaultdict(lambda: [0, 0.0])
        for name, value in self.client.hscan_iter(self.flushing, count=1000):
            rid, day, kind = name.split("|")
            entry = counters[(int(rid), datetime.date.fromisoformat(day))]
            if kind == "p":
                entry[0] += int(value)
            else:
                entry[1] += float(value)
        viewers = set()
        for member in self.client.sscan_iter(self.flushing_viewers, count=1000):
            rid, key = member.split("|", 1)
            viewers.add((int(rid), key))
        return counters, viewers

    def flush(self) -> dict:
        token = uuid.uuid4().hex
        # Two overlapping flushes (a slow one and the next beat) would read the same batch.
        if not self.client.set(self.lock, token, nx=True, ex=600):
            return {"backend": "redis", "skipped": True}
        try:
            keys = [self.live, self.live_viewers, self.batch, self.flushing, self.flushing_viewers]
            batch_id = self.client.eval(_TAKE_BATCH, len(keys), *keys, token)
            if not batch_id:
                return {"backend": "redis", "resources": 0}
            counters, viewers = self._read_batch()
            applied = apply_batch(counters, viewers, batch_id=batch_id)
            self.client.delete(self.flushing, self.flushing_viewers, self.batch)
            cutoff = timezone.now() - datetime.timedelta(days=BATCH_ID_KEEP_DAYS)
            ViewStatsBatch.objects.filter(applied_at__lt=cutoff).delete()
            return {
                "backend": "redis",
                "batch": batch_id,
                "applied": applied,
                "resources": len({rid for rid, _ in counters}),
            }
        finally:
            release_lock(self.client, self.lock, token)


# --- the public interface ------------------------------------------------------------------


def get_recorder() -> LocalRecorder | RedisRecorder:
    if settings.REDIS_URL:
        prefix = getattr(settings, "VIEW_STATS_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
        return RedisRecorder(settings.REDIS_URL, prefix)
    return _local


def record_beacon(
    resource_id: int, key: str, *, play: bool, seconds: float, day: datetime.date | None = None
) -> None:
    """Count one beacon; ``seconds`` is clamped to [0, MAX_BEACON_SECONDS].

    Statistics are best effort: if Redis does not answer, the beacon is dropped with a
    warning rather than failing the player's request.
    """
    day = day or timezone.localdate()
    try:
        get_recorder().record(resource_id, key, play=play, seconds=clamp_seconds(seconds), day=day)
    except RedisError as exc:
        log.warning("viewing statistics beacon dropped: %s", exc)


def flush() -> list[dict]:
    """Move buffered figures into the database: the Redis counters when configured, and
    always this process's own buffer (empty unless Redis was switched off meanwhile)."""
    results = []
    if settings.REDIS_URL:
        results.append(get_recorder().flush())
    results.append(_local.flush())
    return results


def _pending(resource_id: int) -> Pending:
    try:
        return get_recorder().pending(resource_id)
    except RedisError as exc:
        log.warning("buffered viewing statistics unavailable: %s", exc)
        return Pending()


def _unique_viewers(resource_id: int, pending: Pending) -> int:
    count = ResourceViewer.objects.filter(resource_id=resource_id).count()
    if pending.viewers:
        known = ResourceViewer.objects.filter(
            resource_id=resource_id, viewer_key__in=list(pending.viewers)
        ).count()
        count += len(pending.viewers) - known
    return count


def resource_stats(resource: Resource) -> dict:
    """``{"plays", "unique_viewers", "watch_seconds"}`` over all time.

    Includes what is still buffered and not yet flushed: with Redis, everything recorded
    by any process; without Redis, only what this process has buffered (other web
    processes' buffers reach the database within STATS_FLUSH_SECONDS of their next beacon
    or at their exit).
    """
    pending = _pending(resource.pk)
    totals = DailyViewStats.objects.filter(resource=resource).aggregate(
        plays=Sum("plays"), watch_seconds=Sum("watch_seconds")
    )
    plays = (totals["plays"] or 0) + sum(v[0] for v in pending.daily.values())
    seconds = (totals["watch_seconds"] or 0.0) + sum(v[1] for v in pending.daily.values())
    return {
        "plays": int(plays),
        "unique_viewers": _unique_viewers(resource.pk, pending),
        "watch_seconds": round(float(seconds), 1),
    }


def resource_daily(resource: Resource, days: int = 30) -> list[dict]:
    """Plays and watch time for each of the last ``days`` local days (oldest first, days
    without views as zeros), including what is buffered as in ``resource_stats``."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    figures: dict[datetime.date, list] = {
        first + datetime.timedelta(days=n): [0, 0.0] for n in range(days)
    }
    rows = DailyViewStats.objects.filter(resource=resource, date__gte=first, date__lte=today)
    for row in rows.values("date", "plays", "watch_seconds"):
        figures[row["date"]] = [row["plays"], row["watch_seconds"]]
    for day, (plays, seconds) in _pending(resource.pk).daily.items():
        if day in figures:
            figures[day][0] += plays
            figures[day][1] += seconds
    return [
        {"date": day, "plays": int(plays), "watch_seconds": round(float(seconds), 1)}
        for day, (plays, seconds) in figures.items()
    ]


def stats_with_daily(resource: Resource, days: int = 30) -> dict:
    """The API's figures: totals and the daily series, reading the buffer once."""
    return {**resource_stats(resource), "daily": resource_daily(resource, days)}
