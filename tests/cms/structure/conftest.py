"""Fixtures of the portal-structure tests: the column tree comes from the data migration
(the test database is migrated), articles are published through Wagtail's revision API as
an editor's would be."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from wagtail.models import Page, Site


def column(path: str) -> Page:
    """The page at ``path`` (slugs below the home page, e.g. "disclosure/documents")."""
    page = Site.objects.get(is_default_site=True).root_page
    for slug in path.split("/"):
        page = page.get_children().get(slug=slug)
    return page.specific


def publish(parent: Page, slug: str, title: str = "", days_ago: int = 0, **fields):
    from edu_portal.cms.models import ArticlePage

    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    page = ArticlePage(
        title=title or f"文章 {slug}", slug=slug, live=False, published_on=day, **fields
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def draft(parent: Page, slug: str, title: str, **fields):
    from edu_portal.cms.models import ArticlePage

    page = ArticlePage(title=title, slug=slug, live=False, **fields)
    parent.add_child(instance=page)
    page.save_revision()
    return page


@pytest.fixture
def offices(bureau):
    """Two issuing bodies of the bureau."""
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit

    kind = OrgUnit.Kind.DEPARTMENT
    return (
        actions.create_org_unit(actions.SYSTEM, bureau, kind, "办公室", "t-office"),
        actions.create_org_unit(actions.SYSTEM, bureau, kind, "基础教育科", "t-basic"),
    )


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A cache of this test's own: the shared one (files under var/, or Redis) holds
    Wagtail's site root paths, which page URLs are built from, for other test runs'
    databases too."""
    import uuid

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"cms-structure-{uuid.uuid4().hex}",
        }
    }
