"""The catalog's kind registry: apps above the catalog say what happens for their kinds."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog import kinds
from catalog.models import Resource

pytestmark = pytest.mark.django_db


def test_registered_handlers_by_kind():
    from ebooks.kinds import EBookHandler
    from media_pipeline.kinds import MediaHandler

    assert isinstance(kinds.handler_for("video"), MediaHandler)
    assert isinstance(kinds.handler_for("audio"), MediaHandler)
    assert isinstance(kinds.handler_for("ebook"), EBookHandler)
    assert kinds.handler_for("courseware") is kinds.DEFAULT
    assert kinds.DEFAULT.initial_fields("courseware")["preview_state"] == "pending"
    assert kinds.handler_for("video").initial_fields("video") == {"status": "uploaded"}


def test_an_unknown_kind_cannot_be_registered():
    with pytest.raises(ValueError, match="unknown resource kind"):
        kinds.register(["hologram"], kinds.KindHandler())


def test_links_come_from_the_kinds_app_and_vanish_when_deleted(teacher):
    video = Resource.objects.create(
        title="微课", kind="video", uploader=teacher, status="ready", output_prefix="hls/1/1/"
    )
    doc = Resource.objects.create(title="教案", kind="lesson_plan", uploader=teacher)
    assert kinds.links(video) == {
        "watch": f"/watch/{video.pk}/",
        "stream": f"/stream/{video.pk}/master.m3u8",
    }
    assert kinds.links(doc) == {}
    video.deleted_at = timezone.now()
    assert kinds.links(video) == {}


def test_after_create_belongs_inside_a_transaction(teacher):
    doc = Resource.objects.create(title="教案", kind="lesson_plan", uploader=teacher)
    from django.db import transaction

    with transaction.atomic():
        kinds.after_create(doc)  # fine inside
    assert Resource.objects.get(pk=doc.pk).preview_state == "pending"
