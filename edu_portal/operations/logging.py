"""JSON log lines (LOG_FORMAT=json) for log collectors (Loki, Elasticsearch, journald).

One JSON object per line with ``time`` (ISO 8601 with the offset), ``level``, ``logger``
and ``message``; an exception's traceback in ``exc_info``; whatever a call put in
``extra={...}`` as fields of its own (status_code, for instance). python-json-logger does
the encoding, so a message with quotes, newlines or Chinese text stays one valid line.

settings.LOGGING names the formatter by its dotted path (settings sit below operations in
the layers and may not import it); this module imports nothing of Django.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pythonjsonlogger.json import JsonFormatter

#: The record's attributes written under their usual names in the line.
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class JsonLineFormatter(JsonFormatter):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", RENAMED)
        # Chinese messages stay readable in the line instead of \\uXXXX escapes.
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # Local time with its offset and milliseconds: sortable and unambiguous.
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(timespec="milliseconds")


__all__ = ["JsonLineFormatter"]
