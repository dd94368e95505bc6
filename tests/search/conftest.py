"""The search suite runs against every backend: the database one always, Elasticsearch
too when ELASTICSEARCH_URL names a server (each test then gets its own index)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

BACKENDS = ["db", *(["es"] if os.environ.get("ELASTICSEARCH_URL") else [])]


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings, db):
    from catalog.search import get_backend

    if request.param == "es":
        settings.SEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:10]}"
    else:
        settings.SEARCH_URL = "db://"
    backend = get_backend()
    if request.param == "es":
        # Searches follow indexing at once in these tests.
        backend.refresh = "wait_for"
        backend.rebuild()
    yield backend
    if request.param == "es":
        backend.client.options(ignore_status=404).indices.delete(index=backend.index_name)


@pytest.fixture
def make_resource(teacher):
    """A resource, published unless told otherwise; taxonomy given by codes."""
    from catalog.models import Collection, Edition, Resource, ResourceText, Subject, Tag

    def make(title: str, **fields):
        subject = fields.pop("subject", "math")
        collection = fields.pop("collection", "local")
        edition = fields.pop("edition", None)
        tags = fields.pop("tags", [])
        text = fields.pop("text", None)
        days_ago = fields.pop("days_ago", 0)
        deleted = fields.pop("deleted", False)
        state = fields.setdefault("state", "published")
        fields.setdefault("kind", "courseware")
        fields.setdefault("visibility", "public")
        fields.setdefault("stage", "junior")
        fields.setdefault("grade", 8)
        now = timezone.now() - timedelta(days=days_ago)
        resource = Resource.objects.create(
            title=title,
            uploader=teacher,
            published_at=now if state == "published" else None,
            subject=Subject.objects.get(code=subject) if subject else None,
            collection=Collection.objects.get(slug=collection) if collection else None,
            edition=Edition.objects.get(code=edition) if edition else None,
            deleted_at=timezone.now() if deleted else None,
            **fields,
        )
        for name in tags:
            resource.tags.add(Tag.objects.get_or_create(name=name)[0])
        if text is not None:
            ResourceText.objects.create(resource=resource, text=text)
        return resource

    return make


@pytest.fixture
def reindex():
    from catalog.search import services

    return services.reindex


def run_search(text: str = "", **kwargs):
    from catalog.search import SearchQuery, search

    kwargs.setdefault("visibilities", ["public", "intranet"])
    return search(SearchQuery(text=text, **kwargs))


def titles(results) -> list[str]:
    from catalog.models import Resource

    found = Resource.objects.in_bulk(results.ids)
    return [found[pk].title for pk in results.ids]
