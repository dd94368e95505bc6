"""A small portal tree (home, 机关处室, 便民服务/办事指南) on a fresh database; the org tree's
changes reach the portal after commit, as in production (``commit()`` runs the callbacks)."""

from __future__ import annotations

import pytest
from wagtail.models import Locale, Page, Site

PASSWORD = "Sections-test-1"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def tree(db):
    from edu_portal.cms.models import ColumnPage, DepartmentIndexPage, HomePage

    for code in ("zh-hans", "en"):
        Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="首页", slug="sections-home"))
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    departments = home.add_child(instance=DepartmentIndexPage(title="机关处室", slug="departments"))
    services = home.add_child(
        instance=ColumnPage(title="便民服务", slug="services", kind="service")
    )
    guides = services.add_child(
        instance=ColumnPage(title="办事指南", slug="guides", kind="service")
    )
    for page in (home, departments, services, guides):
        page.save_revision(clean=False).publish()
    return {"home": home, "departments": departments, "guides": guides}


@pytest.fixture(autouse=True)
def _english(settings):
    """Sentences are asserted in English (the msgids); the zh-Hans catalogue is checked by
    msgfmt."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
