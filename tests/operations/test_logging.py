"""LOG_FORMAT=json: one JSON object per line with time, level, logger and message."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from edu_portal.operations.logging import JsonLineFormatter

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import logging
log = logging.getLogger("edu_portal.h6test")
log.warning('家长通知 "已发送"\\nsecond line')
try:
    1 / 0
except ZeroDivisionError:
    log.exception("the sum failed")
"""


def run_shell(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_lines_from_a_management_command(tmp_path):
    result = run_shell(tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "h6test" in line]
    assert len(lines) == 2, result.stderr  # each record, newlines and traceback included
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "WARNING"
    assert first["logger"] == "edu_portal.h6test"
    assert first["message"] == '家长通知 "已发送"\nsecond line'
    moment = datetime.fromisoformat(first["time"])
    assert moment.tzinfo is not None
    assert second["level"] == "ERROR"
    assert second["message"] == "the sum failed"
    assert "ZeroDivisionError" in second["exc_info"]
    assert "Traceback" in second["exc_info"]


def test_text_stays_the_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env={**env, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if "h6test" in line)
    assert " WARNING edu_portal.h6test 家长通知" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_a_bad_log_format_is_refused_with_a_sentence(tmp_path):
    # `check`: the first thing an operator runs, and it reads the settings (as gunicorn's
    # import of the WSGI application does).
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(tmp_path), "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json; got 'xml'" in result.stderr


@pytest.mark.django_db
def test_a_request_record_keeps_its_fields(client):
    """Django's request logger passes status_code and the request: a field for the first,
    and the second (not JSON) written as text instead of breaking the line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/api/v1/no-such-endpoint-h6/")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines, "Django logged nothing for a 404"
    record = json.loads(lines[-1])
    assert record["logger"] == "django.request"
    assert record["level"] == "WARNING"
    assert record["status_code"] == 404
    assert "/api/v1/no-such-endpoint-h6/" in record["message"]
    assert isinstance(record["request"], str)
