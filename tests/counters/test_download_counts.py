"""Download counts are buffered (in Redis when configured, else in the process) and
reach the resource row and the search index on a flush: never a row write or a reindex
per download, and never twice for one batch."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog import actions, counters
from catalog.models import CounterBatch, Resource
from catalog.tasks import flush_download_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(teacher):
    def make(title: str) -> Resource:
        return Resource.objects.create(
            title=title,
            kind="courseware",
            uploader=teacher,
            state="published",
            published_at=timezone.now(),
            visibility="public",
        )

    return make


@pytest.fixture
def indexed(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", calls.append)
    return calls


def _count(resource: Resource) -> int:
    return Resource.objects.get(pk=resource.pk).download_count


def test_downloads_wait_in_the_buffer_until_a_flush(published, indexed):
    first, second = published("勾股定理 课件"), published("二次函数 练习")
    indexed.clear()
    for _ in range(5):
        actions.record_download(first, "original")
    actions.record_download(second, "original")
    assert (_count(first), _count(second)) == (0, 0)
    assert counters.downloads().pending(first.pk) == 5
    assert indexed == []  # no reindex per download

    flush_download_counts.apply().get()

    assert (_count(first), _count(second)) == (5, 1)
    assert sorted(indexed) == sorted([first.pk, second.pk])  # once per resource and flush
    assert counters.downloads().pending(first.pk) == 0
    flush_download_counts.apply().get()  # nothing new: nothing changes
    assert (_count(first), _count(second)) == (5, 1)


def test_counts_of_a_deleted_resource_are_dropped(published, indexed):
    gone = published("已删除")
    actions.record_download(gone, "original")
    gone_pk = gone.pk
    gone.delete()
    counters.flush()
    assert not Resource.objects.filter(pk=gone_pk).exists()


def test_a_failed_flush_keeps_the_local_counts(published, monkeypatch):
    resource = published("勾股定理 课件")
    buffer = counters.LocalBuffer("test", counters._apply_downloads)
    buffer.add(resource.pk, 3)

    def broken(counts):
        raise RuntimeError("database away")

    buffer.apply = broken
    with pytest.raises(RuntimeError):
        buffer.flush()
    assert buffer.pending(resource.pk) == 3
    buffer.apply = counters._apply_downloads
    buffer.flush()
    assert _count(resource) == 3


@pytest.mark.skipif("not __import__('django.conf').conf.settings.REDIS_URL")
def test_redis_batch_applied_once_even_if_cleanup_failed(published, settings):
    """A flush that committed but crashed before deleting its Redis batch is recognised
    by the batch id on the next flush: nothing is counted twice."""
    resource = published("勾股定理 课件")
    buffer = counters.downloads()
    assert isinstance(buffer, counters.RedisBuffer)
    buffer.add(resource.pk, 2)
    real_delete = buffer.client.delete
    buffer.client.delete = lambda *keys: 0  # the crash: keys stay behind
    try:
        buffer.flush()
    finally:
        buffer.client.delete = real_delete
    assert _count(resource) == 2
    assert CounterBatch.objects.count() == 1
    result = buffer.flush()  # retries the same batch
    assert result["applied"] is False
    assert _count(resource) == 2
    buffer.add(resource.pk, 1)
    buffer.flush()
    assert _count(resource) == 3


def test_a_redis_outage_never_fails_the_download(published):
    """Counting is best effort: with Redis unreachable the download still works and is
    audited; the count is lost, not the file."""
    import socket

    from auditlog.models import LogEntry
    from django.test import override_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    resource = published("勾股定理 课件")
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed}/0"):
        actions.record_download(resource, "original")
    assert LogEntry.objects.filter(object_pk=str(resource.pk), changes__icontains="download")
