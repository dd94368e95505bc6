"""How fast and how often SMS may go.

* A token bucket per gateway, shared by every worker: in Redis (one Lua script, timed by
  the Redis server's clock, so workers on several machines agree) with ``REDIS_URL``, else
  one bucket per process. ``SMS_RATE_PER_SECOND`` tokens a second, one second's worth of
  burst.
* Per phone number: at most ``SMS_DAILY_CAP_PER_NUMBER`` messages a (local) day, counted
  from the deliveries handed over since midnight; an identical text to the same number at
  most once in ``SMS_REPEAT_SECONDS`` (a key in the cache, added atomically).
"""

from __future__ import annotations

import datetime
import hashlib
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from redis.exceptions import RedisError

from edu_portal.redisclient import get_client

from ...models import Channel, Delivery
from .. import quiet

# KEYS[1]: the bucket (hash: tokens, at). ARGV: rate per second, burst.
# Returns 0 when a token was taken, else the milliseconds until one is there.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
"""

REDIS_PREFIX = "edu:sms:bucket:"


class LocalBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one is there."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class RedisBucket:
    def __init__(self, url: str, key: str, rate: float, burst: float) -> None:
        self.client, self.key = get_client(url), key
        self.rate, self.burst = rate, burst

    def take(self) -> float:
        waited = self.client.eval(_TAKE, 1, self.key, self.rate, self.burst)
        return int(waited) / 1000


_local: dict[tuple[str, float], LocalBucket] = {}
_local_lock = threading.Lock()


def _rate() -> tuple[float, float]:
    rate = float(settings.SMS_RATE_PER_SECOND)
    return rate, max(1.0, rate)


def _local_bucket(gateway: str) -> LocalBucket:
    rate, burst = _rate()
    with _local_lock:
        return _local.setdefault((gateway, rate), LocalBucket(rate, burst))


def bucket(gateway: str) -> LocalBucket | RedisBucket:
    if settings.REDIS_URL:
        rate, burst = _rate()
        return RedisBucket(settings.REDIS_URL, f"{REDIS_PREFIX}{gateway}", rate, burst)
    return _local_bucket(gateway)


def take_token(gateway: str, patience: float = 2.0) -> float:
    """Wait (at most ``patience`` seconds) for a token of ``gateway``'s bucket: 0 once one
    was taken, else the seconds after which to try again (the caller holds the message)."""
    deadline = time.monotonic() + patience
    chosen = bucket(gateway)
    while True:
        try:
            wait = chosen.take()
        except RedisError:
            # Redis away: this process's bucket rather than no SMS at all.
            chosen = _local_bucket(gateway)
            wait = chosen.take()
        if wait <= 0:
            return 0.0
        if time.monotonic() + wait > deadline:
            return wait
        time.sleep(wait)


def sent_today(phone: str, now: datetime.datetime, exclude: int | None = None) -> int:
    """SMS handed over to ``phone`` since local midnight (those whose outcome is unknown
    count too: they may have arrived)."""
    since = quiet.start_of_day(now)
    rows = Delivery.objects.filter(channel=Channel.SMS, address=phone).filter(
        Q(sent_at__gte=since) | Q(handed_at__gte=since)
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.count()


def next_day(now: datetime.datetime) -> datetime.datetime:
    """Tomorrow's first moment a message may go (the end of the quiet hours, or midnight)."""
    return quiet.next_allowed(quiet.start_of_day(now) + datetime.timedelta(days=1))


def claim_text(phone: str, text: str) -> bool:
    """False when the same text went to ``phone`` less than SMS_REPEAT_SECONDS ago."""
    seconds = settings.SMS_REPEAT_SECONDS
    if seconds <= 0:
        return True
    digest = hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()
    return cache.add(f"sms:repeat:{digest}", 1, timeout=math.ceil(seconds))
