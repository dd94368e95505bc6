"""Roles become Wagtail page permissions, by the platform's data, kept in sync."""

from __future__ import annotations

from wagtail.models import Page

from tests.cms.rights.conftest import login


def _perms(user, page) -> set[str]:
    page = Page.objects.get(pk=page.pk)
    tester = page.permissions_for_user(user)
    return {
        name
        for name in ("add", "change", "publish", "lock", "unlock")
        if name in tester.permissions
    }


def test_department_editor_gets_add_and_change_on_their_columns_only(portal, people):
    editor = people["editor"]
    assert _perms(editor, portal["news"]) == {"add", "change"}
    assert _perms(editor, portal["direct"]) == {"add", "change", "publish"}
    assert _perms(editor, portal["notices"]) == set()
    assert editor.has_perm("wagtailadmin.access_admin")


def test_office_holds_the_whole_tree(portal, people):
    assert _perms(people["office"], portal["notices"]) == {
        "add",
        "change",
        "publish",
        "lock",
        "unlock",
    }


def test_admin_is_refused_to_a_user_without_portal_rights(portal, people, student):
    response = login(student).get("/cms/")
    assert response.status_code in (302, 403)
    assert response.status_code != 200
