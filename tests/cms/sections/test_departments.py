"""机关处室 follow the org tree: a new department gets a page, edits in the tree show on the
page without a second typing, a rename retitles, a deletion takes the page offline."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from edu_portal.accounts import actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.cms.models import DepartmentPage

pytestmark = pytest.mark.django_db


def _new_department(bureau, commit, **fields):
    with commit():
        return actions.create_org_unit(
            actions.SYSTEM, bureau, OrgUnit.Kind.DEPARTMENT, "人事科", "renshi", **fields
        )


def test_a_new_department_gets_a_published_page_with_its_facts(tree, bureau, commit):
    unit = _new_department(
        bureau,
        commit,
        phone="0000-1000088",
        duties="负责教职工人事管理。",
        address="人民路88号402室",
        head="林涛",
    )
    page = DepartmentPage.objects.get(unit=unit)
    assert page.live and page.title == "人事科"
    assert page.get_parent().pk == tree["departments"].pk

    body = Client().get("/departments/renshi/").content.decode()
    for fact in ("人事科", "0000-1000088", "负责教职工人事管理。", "人民路88号402室", "林涛"):
        assert fact in body
    listing = Client().get("/departments/").content.decode()
    assert "人事科" in listing and "0000-1000088" in listing and "负责教职工人事管理" in listing


def test_an_edit_in_the_org_tree_shows_on_the_page_and_a_rename_retitles(tree, bureau, commit):
    unit = _new_department(bureau, commit, head="林涛")
    with commit():
        unit.head = "许佳"
        unit.phone = "0000-1000099"
        unit.name = "人事与师资科"
        unit.save()
    body = Client().get("/departments/renshi/").content.decode()
    assert "许佳" in body and "林涛" not in body and "0000-1000099" in body
    page = DepartmentPage.objects.get(unit=unit)
    assert page.title == "人事与师资科" and page.live
    # The URL did not move: links from elsewhere keep working.
    assert page.url_path.endswith("/departments/renshi/")


def test_a_rename_keeps_an_editors_unpublished_draft(tree, bureau, commit):
    unit = _new_department(bureau, commit)
    page = DepartmentPage.objects.get(unit=unit)
    page.body = "<p>办公时间：工作日 8:30–17:30</p>"
    page.save_revision()
    with commit():
        unit.name = "人事科（新）"
        unit.save(update_fields=["name"])
    page.refresh_from_db()
    draft = page.get_latest_revision_as_object()
    assert page.title == "人事科（新）" and draft.title == "人事科（新）"
    assert "办公时间" in draft.body and "办公时间" not in page.body


def test_a_deleted_department_goes_offline(tree, bureau, commit):
    unit = _new_department(bureau, commit)
    page_id = DepartmentPage.objects.get(unit=unit).pk
    with commit():
        unit.delete()
    page = DepartmentPage.objects.get(pk=page_id)
    assert not page.live and page.unit is None
    assert Client().get("/departments/renshi/").status_code == 404


def test_the_command_creates_missing_pages_and_is_idempotent(tree, bureau, department, capsys):
    # Made without the after-commit sync (as in a database older than the portal).
    assert not DepartmentPage.objects.exists()
    call_command("sync_department_pages")
    assert DepartmentPage.objects.get(unit=department).live
    assert "1 created" in capsys.readouterr().out
    call_command("sync_department_pages")
    assert DepartmentPage.objects.count() == 1
    assert "0 created" in capsys.readouterr().out


def test_schools_and_classes_get_no_department_page(tree, bureau, school, commit):
    with commit():
        actions.create_org_unit(actions.SYSTEM, school, OrgUnit.Kind.GRADE, "一年级", "g1")
    assert not DepartmentPage.objects.exists()


def test_the_org_tree_admin_form_accepts_address_and_head(tree, bureau, department, commit):
    from tests.people import make_user

    admin = make_user("root", is_superuser=True, is_staff=True, password="x-Pass-1234")
    client = Client()
    client.force_login(admin)
    form = client.get(f"/admin/accounts/orgunit/{department.pk}/change/").content.decode()
    assert 'name="address"' in form and 'name="head"' in form
