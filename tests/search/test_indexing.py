"""Indexing happens after commit, in a task, asked for by the saves themselves (signal
receivers in catalog/search/signals.py); search outages never fail a save."""

from __future__ import annotations

import socket

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from catalog.models import Tag
from catalog.search import services, tasks
from catalog.search.base import SearchUnavailable
from catalog.search.indexing import schedule_delete, schedule_index
from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db


def _set_eager(propagate: bool):
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, propagate
    return app, saved


@pytest.fixture
def eager():
    """Tasks run inline when queued, and their errors propagate."""
    app, saved = _set_eager(True)
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_indexed_only_after_commit(
    search_backend, make_resource, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_resource("一元二次方程", tags=["代数"], text="求根公式")
    assert run_search("方程").total == 0
    for callback in callbacks:
        callback()
    assert titles(run_search("方程")) == ["一元二次方程"]


def test_one_request_per_resource_and_transaction(make_resource, monkeypatch):
    requested: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", requested.append)
    with transaction.atomic():
        resource = make_resource("一元二次方程", tags=["代数", "方程"], text="求根公式")
        resource.title = "一元二次方程的解法"
        resource.save()
    assert requested == [resource.pk]  # the row, two tags, the text and an edit
    with transaction.atomic():
        resource.save()
    assert requested == [resource.pk, resource.pk]  # a new transaction asks again
    with transaction.atomic():
        resource.save(update_fields=["view_count"])  # not in the document
    assert requested == [resource.pk, resource.pk]


def test_updates_unpublish_and_delete_follow_the_database(
    search_backend, make_resource, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resource = make_resource("一元二次方程")
    # Each change in a transaction of its own, as a request or a task makes it.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        resource.title = "一元二次方程的解法"
        resource.save()
    assert titles(run_search("解法")) == ["一元二次方程的解法"]

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        resource.tags.add(Tag.objects.create(name="求根"))
    assert titles(run_search("求根")) == ["一元二次方程的解法"]

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        resource.deleted_at = timezone.now()
        resource.save()
    assert run_search("方程").total == 0

    with django_capture_on_commit_callbacks(execute=True):
        schedule_index(resource.pk)  # a deleted resource is removed, whatever the caller says
    assert run_search("方程").total == 0

    other = make_resource("二次函数")
    services.update(other.pk)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_delete(other.pk)
    assert run_search("函数").total == 0


def test_broker_outage_does_not_fail_the_save(
    make_resource, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(tasks.index_resource, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        make_resource("勾股定理")
    assert "could not queue index_resource" in caplog.text


def test_search_outage_does_not_fail_the_save_and_the_task_retries(
    settings, make_resource, closed_port, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SEARCH_URL = f"http://127.0.0.1:{closed_port}"
    queued = []
    monkeypatch.setattr(tasks.index_resource, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        resource = make_resource("勾股定理")
    assert queued == [resource.pk]
    # What the worker then runs fails with SearchUnavailable, which the task retries.
    with pytest.raises(SearchUnavailable):
        services.update(resource.pk)
    assert SearchUnavailable in tasks.index_resource.autoretry_for
    assert tasks.index_resource.queue == "search"


def test_eager_task_during_outage_retries_without_raising(
    settings, make_resource, closed_port, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SEARCH_URL = f"http://127.0.0.1:{closed_port}"
    monkeypatch.setattr(tasks.index_resource, "max_retries", 1)
    app, saved = _set_eager(False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            resource = make_resource("勾股定理")
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
    resource.refresh_from_db()
    assert resource.title == "勾股定理"
