"""Look-ups of a letter (query code plus phone) per client address and hour: the pair must
not be found by trying. Counted in the shared cache, for the page and the API together."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def allow_lookup(address: str | None) -> bool:
    """Count one look-up from ``address``; False once the hour's allowance is used."""
    key = f"interaction:lookup:{address or '-'}:{int(time.time()) // 3600}"
    cache.add(key, 0, 3600 + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600 + 60)
        count = 1
    return count <= settings.LETTER_LOOKUPS_PER_HOUR
