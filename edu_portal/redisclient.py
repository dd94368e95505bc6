"""Redis for counters that every web process shares (viewing statistics, download counts).

One client, and so one connection pool, per URL and process; short timeouts, because a
counter must never hang the request it counts. The flushes that move such counters into
the database hold a lock that only its owner may release (``release_lock``).
"""

from __future__ import annotations

import threading

from redis import Redis

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_clients: dict[str, Redis] = {}
_clients_lock = threading.Lock()


def get_client(url: str) -> Redis:
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = Redis.from_url(
                url, socket_timeout=3, socket_connect_timeout=3, decode_responses=True
            )
            _clients[url] = client
        return client


def release_lock(client: Redis, key: str, token: str) -> None:
    """Delete the lock ``key`` only if it still holds ``token`` (it may have expired and
    been taken by another flush meanwhile)."""
    client.eval(_RELEASE, 1, key, token)
