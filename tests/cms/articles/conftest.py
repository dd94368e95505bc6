"""Fixtures of the articles' back end: an object store of the test's own, a column, people."""

from __future__ import annotations

import pytest


@pytest.fixture
def store(tmp_path, settings):
    """Documents and previews go to an object store of this test's own."""
    from edu_portal.storage import get_storage

    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    return get_storage()


@pytest.fixture
def column(db):
    """A column (栏目) directly under Wagtail's root, with no rights given to anyone."""
    from wagtail.models import Page

    from edu_portal.cms.models import ColumnPage

    root = Page.get_first_root_node()
    return root.add_child(instance=ColumnPage(title="局发文件", slug="t-files", kind="policy"))


@pytest.fixture
def other_column(db):
    from wagtail.models import Page

    from edu_portal.cms.models import ColumnPage

    root = Page.get_first_root_node()
    return root.add_child(instance=ColumnPage(title="人事任免", slug="t-people", kind="policy"))


@pytest.fixture
def admin_user(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("cms_admin", "a@example.org", "pw-Admin-123")


@pytest.fixture
def editor(db, column):
    """A CMS user who may add and edit pages in ``column`` only (Wagtail group rights)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    group = Group.objects.create(name="t-column-editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.create(
            group=group, page=column, permission=Permission.objects.get(codename=codename)
        )
    user = get_user_model().objects.create_user("t_editor", "e@example.org", "pw-Editor-123")
    user.groups.add(group)
    return user
