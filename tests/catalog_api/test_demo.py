"""The demo catalog `make run` loads: a textbook tree and published resources whose files
go through the same background work as uploads; running it again adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from catalog.models import Blob, Resource, TextbookNode
from ebooks import demo as ebook_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"


def test_seed_catalog_is_complete_and_idempotent(
    teacher, django_capture_on_commit_callbacks, monkeypatch
):
    indexed: list[int] = []
    previews: list[int] = []
    monkeypatch.setattr("catalog.search.indexing.schedule_index", indexed.append)
    monkeypatch.setattr(
        "catalog.previews.tasks.build_preview_task.delay", lambda pk, **kw: previews.append(pk)
    )
    teacher.username = "teacher"
    teacher.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("seed_catalog", "--no-video", verbosity=0)
    # the demo e-book: tests/ebooks; the uploads waiting for review: tests/workflow
    resources = Resource.objects.exclude(kind="ebook").exclude(state="in_review")
    assert resources.count() == 5
    assert all(r.is_published and r.stage and r.subject_id for r in resources)
    assert {r.kind for r in resources} == {"lesson_plan", "exercise", "document"}
    assert Blob.objects.filter(uses__resource__in=resources).distinct().count() == 5
    plan = Resource.objects.get(title="勾股定理 教学设计")
    assert plan.textbook_node.name == "17.1 勾股定理" and plan.grade == 8
    assert plan.preview_state == "pending"
    # A preview and an index job per resource after commit, and the e-books' index jobs;
    # the teacher's upload waiting for review gets its preview too (the index task leaves
    # it out of search while it is unpublished).
    for callback in callbacks:
        callback()
    waiting = Resource.objects.get(state="in_review")
    assert previews.count(waiting.pk) == 1
    others = [pk for pk in previews + indexed if pk != waiting.pk]
    assert len(others) == 10 + len(ebook_demo.BOOKS)
    assert TextbookNode.objects.filter(kind="book").count() == 3

    call_command("seed_catalog", "--no-video", verbosity=0)
    assert Resource.objects.count() == 6 + len(ebook_demo.BOOKS)
    assert TextbookNode.objects.filter(kind="book").count() == 3


def test_seed_catalog_needs_the_demo_users():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_catalog", verbosity=0)
