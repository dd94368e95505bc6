"""Masks catalog keys (and the old ``?token=`` API tokens) in log records.

Installed on the request-logging loggers by ``OpdsConfig.ready``; nginx needs its own
masking (README, "Security").
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
# ``key=`` / ``token=`` query parameters, and a catalog key wherever else it appears.
_PARAMETER = re.compile(r"(?i)(?<![A-Za-z0-9_])((?:key|token)=)[^&\s\"'#]+")
_KEY = re.compile(r"opds-[0-9a-f]{12}\.[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    return _KEY.sub(MASK, _PARAMETER.sub(rf"\1{MASK}", text))


class RedactCatalogKeys(logging.Filter):
    """Rewrites the record's message with the keys masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the formatter
            return True
        masked = redact(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
