"""/healthz says the process is up; /readyz names each dependency that is not."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from django.db import OperationalError

from edu_portal.portal import health


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any database access in this test would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_only_reads(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_ok_on_the_configured_services(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "object_store", "search"}
    assert all(check["status"] == "ok" for check in body["checks"].values())


def _failing(response) -> dict:
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["status"] == "error"
    return body


@pytest.mark.django_db
def test_readyz_names_a_dead_search_engine(client, settings):
    settings.SEARCH_URL = "http://127.0.0.1:1"
    body = _failing(client.get("/readyz"))
    assert body["failing"] == ["search"]
    assert "Elasticsearch" in body["checks"]["search"]["reason"]
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_names_a_dead_object_store(client, settings):
    settings.OBJECT_STORE_URL = "minio://probe:TopSecret123@127.0.0.1:1/media?secure=false"
    settings.OBJECT_STORE_TIMEOUT = 2
    settings.OBJECT_STORE_RETRIES = 0
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < health.DEADLINE + 2
    body = _failing(response)
    assert body["failing"] == ["object_store"]
    assert body["checks"]["object_store"]["reason"]
    assert "TopSecret123" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_names_a_dead_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = _failing(client.get("/readyz"))
    assert body["failing"] == ["broker"]
    assert "127.0.0.1:1" in body["checks"]["broker"]["reason"]


@pytest.mark.django_db
def test_readyz_fails_when_the_broker_folder_is_gone(client, settings, tmp_path):
    from edu_portal.celery import app

    settings.CELERY_BROKER_URL = "filesystem://"
    saved = app.conf.broker_transport_options
    gone = str(tmp_path / "gone")
    app.conf.broker_transport_options = {"data_folder_in": gone, "data_folder_out": gone}
    try:
        body = _failing(client.get("/readyz"))
    finally:
        app.conf.broker_transport_options = saved
    assert body["failing"] == ["broker"]
    assert "gone" in body["checks"]["broker"]["reason"]


@pytest.mark.django_db
def test_readyz_fails_while_the_storage_module_is_missing(client, monkeypatch):
    client.get("/healthz")  # load the URLconf (whose views import storage) before hiding it
    monkeypatch.setitem(sys.modules, "edu_portal.storage", None)
    body = _failing(client.get("/readyz"))
    assert body["failing"] == ["object_store"]
    assert "storage module not available" in body["checks"]["object_store"]["reason"]


@pytest.mark.django_db
def test_readyz_names_a_database_failure(client, monkeypatch):
    def broken() -> None:
        raise OperationalError("connection to server at 10.0.0.5, port 5432 failed")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    body = _failing(client.get("/readyz"))
    assert body["failing"] == ["database"]
    assert "port 5432 failed" in body["checks"]["database"]["reason"]


@pytest.mark.django_db
def test_a_hanging_service_cannot_hang_the_probe(client, monkeypatch):
    release = threading.Event()

    def hangs() -> None:
        release.wait(30)

    monkeypatch.setitem(health.CHECKS, "search", hangs)
    monkeypatch.setattr(health, "DEADLINE", 0.5)
    started = time.monotonic()
    try:
        body = _failing(client.get("/readyz"))
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert body["failing"] == ["search"]
    assert "no answer within 0.5 s" in body["checks"]["search"]["reason"]
    assert body["checks"]["database"]["status"] == "ok"


def test_reasons_hide_credentials_and_stay_short():
    reason = health._short(RuntimeError("cannot reach redis://user:hunter2@cache:6379/0 " * 20))
    assert "hunter2" not in reason
    assert "redis://***@cache:6379/0" in reason
    assert len(reason) <= health.MAX_REASON
