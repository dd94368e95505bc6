"""The proof-of-work check (ALTCHA) the sign-in page asks for once sign-ins look like guessing.

Self-hosted: the challenge is made and verified here with the ``altcha`` package, and the
browser widget comes from the ``altcha`` npm package served as a static file; no outside
service is involved. A challenge is signed with a key derived from SECRET_KEY, expires
after a few minutes and is accepted once (a solved payload cannot be replayed).
"""

from __future__ import annotations

import hashlib
import secrets
import time

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

ALGORITHM = "PBKDF2/SHA-256"
EXPIRES_SECONDS = 600
FIELD = "altcha"


def _secret(purpose: str) -> str:
    return salted_hmac(f"edu_portal.accounts.challenge.{purpose}", "altcha").hexdigest()


def create() -> dict:
    """A fresh signed challenge, as the widget expects it (JSON-serialisable)."""
    # A secret counter the browser has to find: about LOGIN_CHALLENGE_MAX_NUMBER / 2 key
    # derivations of LOGIN_CHALLENGE_COST iterations each on average. The server checks the
    # answer with one HMAC (the key signature), not by redoing the work.
    counter = secrets.randbelow(settings.LOGIN_CHALLENGE_MAX_NUMBER) + 1
    challenge = altcha.create_challenge(
        ALGORITHM,
        settings.LOGIN_CHALLENGE_COST,
        counter=counter,
        expires_at=int(time.time()) + EXPIRES_SECONDS,
        hmac_secret=_secret("challenge"),
        hmac_key_secret=_secret("key"),
    )
    return challenge.to_dict()


def verify(payload: str | None) -> bool:
    """True once for a correctly solved, unexpired challenge of ours."""
    if not payload or len(payload) > 8192:
        return False
    try:
        result = altcha.verify_solution(
            payload, _secret("challenge"), hmac_key_secret=_secret("key")
        )
    except (ValueError, TypeError):
        return False
    if not result.verified:
        return False
    # Single use: remember the payload's hash until the challenge would have expired anyway.
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return cache.add(f"accounts:altcha:{digest}", 1, EXPIRES_SECONDS + 60)


def solve(challenge: dict) -> str:
    """Solve a challenge the way the widget does and return the form value (for tests and
    scripted checks of a deployment)."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed, timeout=120)
    if solution is None:
        raise RuntimeError("challenge not solved in time")
    return altcha.Payload(parsed, solution).to_base64()
