"""A refusal is logged in one line: method, path, reason code, client address; no traceback.

The attack on the logs: every request from outside the intranet to an intranet page made
Django log a WARNING with the whole PermissionDenied traceback, so a scanner buried the log
(and anything that mattered in it) under tracebacks. A path with encoded line breaks must not
forge log lines either, and a signed token in the query string must not be written down.
"""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import re_path

from tests.portal.urls_for_tests import handler403, handler404, handler500
from tests.portal.urls_for_tests import urlpatterns as test_urlpatterns

OUTSIDE = "203.0.113.9"


def denied_anywhere(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal detail meant for developers")


# Any path below it, line breaks included.
urlpatterns = [re_path(r"^test-only/denied-at/[\s\S]*$", denied_anywhere), *test_urlpatterns]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

# The refusal page's header and footer read the portal's tree and settings (database).
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def _refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "edu_portal.refusals"]


def _no_tracebacks(caplog) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_an_intranet_refusal_is_one_line(client, intranet_settings, logs):
    response = client.get("/test-only/intranet/?exp=1&sig=SECRET-TOKEN", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    _no_tracebacks(logs)
    [record] = _refusals(logs)
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        f"Refused GET /test-only/intranet/: 403 outside_intranet from {OUTSIDE}"
    )
    assert "SECRET-TOKEN" not in logs.text
    # Django's own WARNING for it (with the traceback) is gone, not just shortened.
    assert [r for r in logs.records if r.name == "django.request"] == []


def test_an_api_refusal_is_one_line(client, intranet_settings, logs):
    response = client.post("/api/test-only/denied/", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    _no_tracebacks(logs)
    [record] = _refusals(logs)
    assert record.getMessage() == (
        f"Refused POST /api/test-only/denied/: 403 permission_denied from {OUTSIDE}"
    )


def test_the_address_is_the_client_behind_the_trusted_proxy(client, intranet_settings, logs):
    client.get("/test-only/intranet/", REMOTE_ADDR="10.9.9.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    [record] = _refusals(logs)
    assert record.getMessage().endswith(f"from {OUTSIDE}")


def test_a_path_cannot_forge_log_lines(client, intranet_settings, logs):
    response = client.get("/test-only/denied-at/x%0D%0A2026-01-01 ERROR forged%00line")
    assert response.status_code == 403
    [record] = _refusals(logs)
    message = record.getMessage()
    assert "\n" not in message and "\r" not in message and "\x00" not in message
    assert "x\\x0d\\x0a2026-01-01 ERROR forged\\x00line" in message
    _no_tracebacks(logs)


@pytest.mark.django_db
def test_a_csrf_refusal_stays_one_line(intranet_settings, logs):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    _no_tracebacks(logs)
    [record] = [r for r in logs.records if r.name.startswith("django.")]
    assert record.levelno == logging.WARNING
    assert "CSRF" in record.getMessage()
