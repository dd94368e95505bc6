"""Fixtures of the site search: a backend (the database always, Elasticsearch too when
ELASTICSEARCH_URL is set), tasks run inline, a small portal tree and resources."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest

BACKENDS = ["db", *(["es"] if os.environ.get("ELASTICSEARCH_URL") else [])]


@pytest.fixture(params=BACKENDS)
def site_backend(request, settings, db):
    from edu_portal.cms.search.backends import get_backend

    if request.param == "es":
        settings.SEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:10]}"
    else:
        settings.SEARCH_URL = "db://"
    backend = get_backend()
    if request.param == "es":
        backend.refresh = "wait_for"
        backend.rebuild()
    yield backend
    if request.param == "es":
        backend.client.options(ignore_status=404).indices.delete(index=backend.index_name)


@pytest.fixture(autouse=True)
def _fresh_counts_cache():
    """Estimated counts are cached per query: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Queued tasks run inline, their errors propagating; after-commit work runs at once."""
    from edu_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def publish(page):
    """Publish the page's latest revision the way the admin does (signals included)."""
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def portal(db, site_backend, django_capture_on_commit_callbacks, eager):
    """A home page as the default site's root, a news column, a services column."""
    from wagtail.models import Page, Site

    from edu_portal.cms.models import ColumnPage, HomePage

    root = Page.get_first_root_node()
    with django_capture_on_commit_callbacks(execute=True):
        home = root.add_child(instance=HomePage(title="示范县教育局", slug="portal-home"))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home},
        )
        news = home.add_child(instance=ColumnPage(title="教育新闻", slug="news", kind="news"))
        services = home.add_child(
            instance=ColumnPage(title="办事指南", slug="guides", kind="service")
        )
    return {"home": home, "news": news, "services": services}


@pytest.fixture
def make_article(portal, django_capture_on_commit_callbacks):
    from edu_portal.cms.models import ArticlePage

    def make(title: str, body: str = "", *, live: bool = True, parent=None, **fields):
        parent = parent or portal["news"]
        fields.setdefault("published_on", date(2026, 11, 20))
        fields.setdefault("slug", f"a-{uuid.uuid4().hex[:8]}")
        with django_capture_on_commit_callbacks(execute=True):
            page = parent.add_child(
                instance=ArticlePage(title=title, body=f"<p>{body}</p>", live=False, **fields)
            )
            if live:
                publish(page)
        return page

    return make


@pytest.fixture
def make_guide(portal, django_capture_on_commit_callbacks):
    from edu_portal.cms.models import ServiceGuidePage

    def make(title: str, conditions: str = "符合条件的申请人"):
        elements = dict.fromkeys(ServiceGuidePage.REQUIRED_ELEMENTS, "<p>见办事大厅公告</p>")
        elements.update(time_limit="5个工作日", fees="不收费", location="政务服务中心")
        elements.update(phone="0000-1234567", conditions=f"<p>{conditions}</p>")
        with django_capture_on_commit_callbacks(execute=True):
            guide = ServiceGuidePage(title=title, slug=f"g-{uuid.uuid4().hex[:8]}", **elements)
            page = portal["services"].add_child(instance=guide)
            publish(page)
        return page

    return make


@pytest.fixture
def make_resource(teacher, django_capture_on_commit_callbacks, eager, site_backend):
    """A catalog resource, published and public unless told otherwise."""
    from django.utils import timezone

    from catalog.models import Resource

    def make(title: str, **fields):
        fields.setdefault("state", "published")
        fields.setdefault("kind", "courseware")
        fields.setdefault("visibility", "public")
        fields.setdefault("description", "")
        published = timezone.now() if fields["state"] == "published" else None
        with django_capture_on_commit_callbacks(execute=True):
            return Resource.objects.create(
                title=title, uploader=teacher, published_at=published, **fields
            )

    return make
