"""What every SMS gateway offers, and what it answers.

``send`` never raises for what a gateway or network can do wrong: it answers with a
:class:`GatewayResult` saying whether the message was accepted, refused for good, refused
for now (try again later: throttled, or the gateway could not be reached at all), or whether
the request may have reached the gateway without an answer (``unknown``: never sent again,
since neither Aliyun nor Tencent deduplicates).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GatewayResult:
    ok: bool
    gateway_id: str = ""
    error: str = ""
    # Refused for now: may be tried again after this many seconds (nothing was sent).
    retry_after: int | None = None
    # The request may have been handed over (timeout, server error without an answer).
    unknown: bool = False

    @classmethod
    def accepted(cls, gateway_id: str) -> GatewayResult:
        return cls(ok=True, gateway_id=gateway_id)

    @classmethod
    def refused(cls, error: str) -> GatewayResult:
        return cls(ok=False, error=error[:300])

    @classmethod
    def later(cls, error: str, seconds: int) -> GatewayResult:
        return cls(ok=False, error=error[:300], retry_after=seconds)

    @classmethod
    def no_answer(cls, error: str) -> GatewayResult:
        return cls(ok=False, error=error[:300], unknown=True)


class Gateway(Protocol):
    name: str

    def send(
        self, delivery_id: int, phone: str, template_params: dict[str, str], text: str
    ) -> GatewayResult: ...


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: dict | list | None


class Unreachable(Exception):
    """Nothing reached the gateway (refused connection, unknown host): safe to retry."""


class NoAnswer(Exception):
    """The request went out but no usable answer came back."""


def post(url: str, data: bytes, headers: dict[str, str], timeout: int) -> HttpAnswer:
    """POST and read the JSON answer, for 2xx and error statuses alike (both vendors put
    their error codes in the body)."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(1_000_000)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError | socket.gaierror):
            raise Unreachable(str(exc.reason)) from exc
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise NoAnswer(f"no answer within {timeout} s") from exc
        raise NoAnswer(str(exc.reason)) from exc
    except TimeoutError as exc:
        raise NoAnswer(f"no answer within {timeout} s") from exc
    except OSError as exc:  # connection reset while reading: it may have been accepted
        raise NoAnswer(str(exc)) from exc
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        body = None
    return HttpAnswer(status, body)
