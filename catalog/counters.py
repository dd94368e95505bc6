"""Counts that change on every request (downloads), buffered and written in batches.

A download must not write its resource row (hot rows under lock contention) nor queue a
reindex. ``record_download`` adds to a buffer; a flush moves the totals into
``Resource.download_count`` in one transaction and asks search to refresh those resources
once, however many downloads they had. The same scheme as the viewing statistics:

* with ``REDIS_URL``: one HINCRBY per download into a live hash shared by every process.
  A flush renames it to a "flushing" hash in one Lua script (downloads arriving meanwhile
  go to a fresh live hash), applies it with a batch id recorded in the same transaction
  (``CounterBatch``), then deletes it. A flush that crashed after its commit is recognised
  by the id and only cleaned up, so nothing is counted twice.
* without Redis: a thread-safe buffer in the process, flushed on the next download once
  ``STATS_FLUSH_SECONDS`` have passed, at exit, and by the beat task.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from catalog.models import CounterBatch, Resource
from catalog.search import indexing
from edu_portal.redisclient import get_client, release_lock

log = logging.getLogger(__name__)

BATCH_ID_KEEP_DAYS = 7
DEFAULT_REDIS_PREFIX = "edu:counters:"

# KEYS: live hash, batch id key, flushing hash. ARGV: a new batch id. A batch left by a
# flush that did not finish is returned instead, to be applied (or recognised) again.
_TAKE_BATCH = """
local pending = redis.call('GET', KEYS[2])
if pending then return pending end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('RENAME', KEYS[1], KEYS[3])
redis.call('SET', KEYS[2], ARGV[1])
return ARGV[1]
"""

Apply = Callable[[dict[int, int]], None]


def _apply_batch(name: str, apply: Apply, counts: dict[int, int], batch_id: str | None) -> bool:
    """Apply ``counts`` in one transaction; with ``batch_id``, only once (False if done)."""
    with transaction.atomic():
        if batch_id is not None:
            try:
                with transaction.atomic():
                    CounterBatch.objects.create(batch_id=f"{name}:{batch_id}")
            except IntegrityError:
                return False
        apply({key: value for key, value in counts.items() if value})
    return True


class LocalBuffer:
    def __init__(self, name: str, apply: Apply) -> None:
        self.name, self.apply = name, apply
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._counts: Counter[int] = Counter()
        self._last_flush = time.monotonic()

    def add(self, key: int, amount: int = 1) -> None:
        with self._lock:
            self._counts[key] += amount
            due = time.monotonic() - self._last_flush >= settings.STATS_FLUSH_SECONDS
        if due:
            try:
                self.flush()
            except Exception:  # put back by flush(); the download itself succeeded
                log.exception("could not flush the buffered %s", self.name)

    def pending(self, key: int) -> int:
        with self._lock:
            return self._counts.get(key, 0)

    def clear(self) -> None:
        """Forget everything buffered (tests)."""
        with self._lock:
            self._counts = Counter()

    def flush(self) -> dict:
        if not self._flush_lock.acquire(blocking=False):
            return {"backend": "local", "skipped": True}
        try:
            with self._lock:
                counts, self._counts = self._counts, Counter()
                self._last_flush = time.monotonic()
            if not counts:
                return {"backend": "local", "keys": 0}
            try:
                _apply_batch(self.name, self.apply, dict(counts), None)
            except Exception:
                with self._lock:
                    self._counts.update(counts)
                raise
            return {"backend": "local", "keys": len(counts)}
        finally:
            self._flush_lock.release()


class RedisBuffer:
    def __init__(self, name: str, apply: Apply, url: str, prefix: str) -> None:
        self.name, self.apply = name, apply
        self.client = get_client(url)
        base = f"{prefix}{name}:"
        self.live, self.flushing = f"{base}live", f"{base}flushing"
        self.batch, self.lock = f"{base}batch", f"{base}lock"

    def add(self, key: int, amount: int = 1) -> None:
        self.client.hincrby(self.live, str(key), amount)

    def pending(self, key: int) -> int:
        return int(self.client.hget(self.live, str(key)) or 0)

    def flush(self) -> dict:
        token = uuid.uuid4().hex
        if not self.client.set(self.lock, token, nx=True, ex=600):
            return {"backend": "redis", "skipped": True}
        try:
            keys = [self.live, self.batch, self.flushing]
            batch_id = self.client.eval(_TAKE_BATCH, len(keys), *keys, token)
            if not batch_id:
                return {"backend": "redis", "keys": 0}
            counts = {int(k): int(v) for k, v in self.client.hscan_iter(self.flushing, count=1000)}
            applied = _apply_batch(self.name, self.apply, counts, batch_id)
            self.client.delete(self.flushing, self.batch)
            cutoff = timezone.now() - datetime.timedelta(days=BATCH_ID_KEEP_DAYS)
            CounterBatch.objects.filter(applied_at__lt=cutoff).delete()
            return {"backend": "redis", "batch": batch_id, "applied": applied, "keys": len(counts)}
        finally:
            release_lock(self.client, self.lock, token)


def _apply_downloads(counts: dict[int, int]) -> None:
    existing = set(Resource.objects.filter(pk__in=counts).values_list("pk", flat=True))
    for pk in sorted(existing):
        Resource.objects.filter(pk=pk).update(download_count=F("download_count") + counts[pk])
    # "Most downloaded" sorts on the index's copy of the count: one refresh per flush.
    for pk in sorted(existing):
        indexing.schedule_index(pk)


_local_downloads = LocalBuffer("downloads", _apply_downloads)


def downloads() -> LocalBuffer | RedisBuffer:
    """The buffer of download counts for this configuration."""
    if settings.REDIS_URL:
        prefix = getattr(settings, "COUNTERS_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
        return RedisBuffer("downloads", _apply_downloads, settings.REDIS_URL, prefix)
    return _local_downloads


def first_download_today(user_id: int, resource_id: int) -> bool:
    """True the first time today (local day) that this user downloads this resource."""
    now = timezone.localtime()
    midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    prefix = getattr(settings, "COUNTERS_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
    key = f"{prefix}seen:{now:%Y%m%d}:{user_id}:{resource_id}"
    return cache.add(key, 1, timeout=max(int((midnight - now).total_seconds()), 1))


def flush() -> list[dict]:
    """Write buffered counts to the database (Redis's when configured, and always this
    process's own buffer)."""
    results = []
    if settings.REDIS_URL:
        try:
            results.append(downloads().flush())
        except RedisError as exc:
            log.warning("buffered download counts not flushed: %s", exc)
    results.append(_local_downloads.flush())
    return results


@atexit.register
def _flush_at_exit() -> None:
    try:
        _local_downloads.flush()
    except Exception:  # the process is going away: say so and let it go
        log.exception("could not flush the buffered download counts at exit")
