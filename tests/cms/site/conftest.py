"""A small portal of its own for each test: a home page made the default site's root (the
structure migration's tree is left aside), columns and articles published through
Wagtail's revisions, as editors publish them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from edu_portal.cms import page_cache
from edu_portal.cms.models import ArticlePage, ColumnPage, HomePage, SitemapPage


@dataclass
class Portal:
    home: HomePage
    sitemap: SitemapPage

    def column(self, title: str, slug: str, kind: str = "news", parent: Page | None = None):
        column = (parent or self.home).add_child(
            instance=ColumnPage(title=title, slug=slug, kind=kind)
        )
        column.save_revision().publish()
        return ColumnPage.objects.get(pk=column.pk)

    def article(
        self,
        column: Page,
        title: str,
        *,
        days_ago: int | None = 0,
        slug: str | None = None,
        live: bool = True,
        body: str = "<p>正文</p>",
    ) -> ArticlePage:
        published = timezone.localdate() - datetime.timedelta(days=days_ago or 0)
        page = ArticlePage(
            title=title,
            slug=slug or f"a{ArticlePage.objects.count() + 1}-{column.pk}",
            summary=f"{title}的摘要",
            body=body,
            published_on=published if days_ago is not None else None,
            live=False,
        )
        column.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        page = ArticlePage.objects.get(pk=page.pk)
        if days_ago is None and page.published_on is not None:
            # An item that lost its date (an old import): what the inspection must find.
            ArticlePage.objects.filter(pk=page.pk).update(published_on=None)
            page.refresh_from_db()
        return page


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A cache of this test's own: the shared one (files under var/, or Redis) also holds
    Wagtail's site root paths and the page cache of other test runs working at the same
    time, which would answer for pages this test's database does not have."""
    import uuid

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"cms-site-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def portal(db) -> Portal:
    # With migrations, Wagtail's own made the locale and the root; without (--nomigrations,
    # while migration graphs are being merged) the test makes them.
    from wagtail.coreutils import get_supported_content_language_variant

    code = get_supported_content_language_variant(django_settings.LANGUAGE_CODE)
    Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(instance=HomePage(title="测试门户", slug="test-portal-home"))
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(hostname="localhost", port=80, is_default_site=True, site_name="测试门户")
    site.root_page = home
    site.save()
    sitemap = home.add_child(instance=SitemapPage(title="网站地图", slug="sitemap"))
    sitemap.save_revision().publish()
    return Portal(HomePage.objects.get(pk=home.pk), SitemapPage.objects.get(pk=sitemap.pk))


@pytest.fixture
def page_cache_on(settings):
    settings.CMS_PAGE_CACHE_SECONDS = 300
    page_cache.invalidate()
    return settings


def in_english(user):
    """The Wagtail admin speaks the user's chosen language (zh-hans by default); tests that
    read its sentences choose English."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user
