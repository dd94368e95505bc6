"""Fixtures of the integrity ledger's tests: the ledger on, an object store and a cache of
the test's own, a portal with a column, a published article with an attachment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command


@pytest.fixture
def ledger_on(settings, tmp_path):
    from edu_portal.storage import get_storage

    settings.INTEGRITY_LEDGER_ENABLED = True
    settings.INTEGRITY_LEDGER_KEY = "test-ledger-key"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"ledger-{uuid.uuid4().hex}",
        }
    }
    return get_storage()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the ledger defers to the commit: the test's transaction never commits."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@dataclass
class Portal:
    home: object
    column: object


@pytest.fixture
def portal(db, ledger_on, commit) -> Portal:
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from edu_portal.cms.models import ColumnPage, HomePage

    # The migrations built the portal's page tree without the ledger: an installation's
    # first baseline, as the README says.
    call_command("verify_integrity", "--baseline")
    code = get_supported_content_language_variant(django_settings.LANGUAGE_CODE)
    Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="测试门户", slug="ledger-home"))
    commit(lambda: home.save_revision().publish())
    site = Site.objects.filter(is_default_site=True).first() or Site(
        hostname="localhost", port=80, is_default_site=True, site_name="测试门户"
    )
    site.root_page = home
    site.save()
    column = home.add_child(instance=ColumnPage(title="通知公告", slug="notices", kind="notice"))
    commit(lambda: column.save_revision().publish())
    return Portal(home, column)


@pytest.fixture
def admin(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("ledger_admin", "a@example.org", "pw-Adm-4711")


@pytest.fixture
def article(portal, commit):
    """A published article with an attached document (stored under cms/)."""
    from wagtail.documents.models import Document

    from edu_portal.cms.models import ArticlePage
    from edu_portal.cms.models.articles import ArticleAttachment

    document = Document(title="附件一")
    commit(lambda: document.file.save("fujian.txt", ContentFile(b"attachment v1"), save=True))
    page = ArticlePage(title="关于开学的通知", slug="kaixue", body="<p>九月一日开学。</p>")
    page.attachments.add(ArticleAttachment(document=document, title="附件一"))
    portal.column.add_child(instance=page)
    commit(lambda: page.save_revision().publish())
    return ArticlePage.objects.get(pk=page.pk)
