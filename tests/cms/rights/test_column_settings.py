"""Only the office changes who writes in a column (editor units, direct publishing, kind)
and a school site's settings, through every route of the Wagtail admin: the edit form hides
them from the others and ignores what they post, reverting to an old revision keeps today's
rights, an approval or a copy that would change them is refused with a sentence, and the
scheduler keeps today's values."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone, translation
from wagtail.test.utils.form_data import rich_text

from edu_portal.accounts.audit import actor_context
from edu_portal.cms.models import ColumnPage, PageReview, SchoolSitePage
from edu_portal.cms.rights_fields import COLUMN_FIELDS
from tests.cms.rights.conftest import ADDRESS, login

pytestmark = pytest.mark.django_db

COMMENTS = {
    "comments-TOTAL_FORMS": "0",
    "comments-INITIAL_FORMS": "0",
    "comments-MIN_NUM_FORMS": "0",
    "comments-MAX_NUM_FORMS": "1000",
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _form_data(client, url: str, **changes) -> dict:
    """The edit form as its user submits it: what it shows, with ``changes`` on top (a
    field the form does not show may still be posted, as an attacker would)."""
    form = client.get(url).context["form"]
    data = dict(COMMENTS)
    for name in form.fields:
        value = form[name].value()
        if name in ("intro",):
            data[name] = rich_text(form.instance.intro or "<p>栏目介绍</p>")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value not in (None, ""):
            data[name] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _edit(client, page, **changes):
    url = f"/cms/pages/{page.pk}/edit/"
    return client.post(url, _form_data(client, url, **changes))


def _column(page) -> ColumnPage:
    return ColumnPage.objects.get(pk=page.pk)


def _units(page) -> set[int]:
    return set(_column(page).editor_units.values_list("pk", flat=True))


def _can_add(user, parent) -> bool:
    response = login(user).get(f"/cms/pages/add/cms/standardpage/{parent.pk}/")
    return response.status_code == 200


def test_the_editor_does_not_see_the_column_settings_the_office_does(portal, people):
    url = f"/cms/pages/{portal['direct'].pk}/edit/"
    editor_page = login(people["editor"]).get(url)
    assert editor_page.status_code == 200
    assert not set(COLUMN_FIELDS) & set(editor_page.context["form"].fields)
    html = editor_page.content.decode()
    for name in COLUMN_FIELDS:
        assert f'name="{name}"' not in html
    assert 'name="default_category"' in html  # the rest of the column's panel stays

    office_page = login(people["office"]).get(url)
    assert set(COLUMN_FIELDS) <= set(office_page.context["form"].fields)
    assert 'name="direct_publish"' in office_page.content.decode()


def test_what_the_editor_posts_for_them_is_ignored(portal, people, other_department, commit):
    column = portal["direct"]
    with commit():
        response = _edit(
            login(people["editor"]),
            column,
            title="局发文件（新）",
            direct_publish=None,
            editor_units=[str(other_department.pk)],
            kind="policy",
            **{"action-publish": "action-publish"},
        )
    assert response.status_code == 302
    stored = _column(column)
    # The page itself is published (the editor may change its title) …
    assert stored.live and stored.title == "局发文件（新）"
    # … but who writes there and how did not change, nor did the rights that follow.
    assert stored.direct_publish is True and stored.kind == "news"
    assert _units(column) == {people["editor"].org_unit_id}
    assert not _can_add(people["other_editor"], column)
    assert _can_add(people["editor"], column)


def test_the_office_changes_them_and_it_is_audited(portal, people, other_department, commit):
    column = portal["direct"]
    with commit():
        response = _edit(
            login(people["office"]),
            column,
            direct_publish=None,
            editor_units=[str(other_department.pk)],
            kind="policy",
            **{"action-publish": "action-publish"},
        )
    assert response.status_code == 302
    stored = _column(column)
    assert stored.direct_publish is False and stored.kind == "policy"
    assert _units(column) == {other_department.pk}
    assert _can_add(people["other_editor"], column)
    assert not _can_add(people["editor"], column)
    entries = LogEntry.objects.filter(object_pk=str(column.pk))
    assert any(
        e.actor == people["office"]
        and e.remote_addr == ADDRESS
        and e.changes_dict["editor_units"][1] == [other_department.name]
        for e in entries
        if "editor_units" in e.changes_dict
    )


def test_reverting_to_an_old_revision_keeps_todays_rights(portal, people, commit):
    column = portal["direct"]
    office = login(people["office"])
    with commit():
        _edit(office, column, intro=rich_text("<p>旧版介绍</p>"), **{"action-publish": "1"})
    old = _column(column).live_revision
    with commit():  # the office takes direct publishing away
        _edit(office, column, direct_publish=None, **{"action-publish": "1"})
    assert _column(column).direct_publish is False

    # The editor reverts to the old revision (which says direct_publish) and submits it.
    editor = login(people["editor"])
    url = f"/cms/pages/{column.pk}/revisions/{old.pk}/revert/"
    with commit():
        response = editor.post(
            url, _form_data(editor, url, direct_publish="on", **{"action-submit": "1"})
        )
    assert response.status_code == 302
    item = PageReview.objects.get(workflow_state__object_id=str(column.pk), status="in_progress")
    with commit():
        office.post(f"/review/cms.pagereview/{item.pk}/approve/", {"comment": ""})
    stored = _column(column)
    assert stored.live_revision_id != old.pk  # the reverted text is published …
    assert "旧版介绍" in stored.intro
    assert stored.direct_publish is False  # … without the old rights


def test_approving_a_revision_that_changes_them_is_refused_with_the_reason(portal, people, commit):
    """A draft written before this rule (or by code) that gives its column direct
    publishing: the office's approval in /review/ is refused, next to the item."""
    column = _column(portal["news"])
    column.direct_publish = True
    revision = column.save_revision(user=people["editor"])
    with commit():
        column.get_workflow().start(column, people["editor"])
    item = PageReview.objects.get(workflow_state__object_id=str(column.pk), status="in_progress")
    office = login(people["office"])
    with commit():
        response = office.post(
            f"/review/cms.pagereview/{item.pk}/approve/",
            {"comment": "", "next": "/review/"},
            follow=True,
        )
    [shown] = [i for i in response.context["items"] if i["label"] == column.title]
    assert "only the bureau office may change who writes in a column" in shown["error"]
    assert "editors publish without the office" in shown["error"]
    stored = _column(column)
    assert stored.direct_publish is False and stored.live_revision_id != revision.pk
    assert not _can_add(people["other_editor"], column)


def test_the_editor_cannot_copy_a_column_with_its_rights(portal, people, commit):
    editor = login(people["editor"])
    before = ColumnPage.objects.count()
    with commit():
        response = editor.post(
            f"/cms/pages/{portal['direct'].pk}/copy/",
            {
                "new_title": "局发文件副本",
                "new_slug": "documents-copy",
                "new_parent_page": portal["news"].pk,
            },
            follow=True,
        )
    assert response.redirect_chain[0][1] == 302
    [said] = [str(m) for m in response.context["messages"]]
    assert "cannot be copied by you" in said and "only the bureau office may set" in said
    assert "units whose editors write here" in said
    assert ColumnPage.objects.count() == before
    # A copy by code in the editor's name is refused by the model's check as well.
    from edu_portal.cms.rights_fields import RightsFieldsError

    with actor_context(people["editor"]), pytest.raises(RightsFieldsError):
        _column(portal["direct"]).copy(to=portal["news"], update_attrs={"slug": "copy-2"})
    assert ColumnPage.objects.count() == before


def test_a_sub_column_made_by_the_editor_gets_no_rights_of_its_own(
    portal, people, other_department, commit
):
    editor = login(people["editor"])
    url = f"/cms/pages/add/cms/columnpage/{portal['direct'].pk}/"
    with commit():
        response = editor.post(
            url,
            {
                **COMMENTS,
                "title": "处室动态",
                "slug": "dept-news",
                "intro": rich_text("<p>处室动态</p>"),
                "kind": "policy",
                "direct_publish": "on",
                "editor_units": [str(other_department.pk)],
                "action-publish": "1",
            },
        )
    assert response.status_code == 302
    made = ColumnPage.objects.get(slug="dept-news")
    assert made.live  # published in a direct-publishing column
    assert made.direct_publish is False and made.kind == "news"
    assert not made.editor_units.exists()
    assert not _can_add(people["other_editor"], made)


def test_a_teacher_cannot_change_the_school_sites_settings_its_admin_can(portal, people, commit):
    site = portal["site"]
    with commit():
        login(people["school_admin"]).post(
            "/school-admin/site-editors/",
            {"school": site.school_id, "user": people["teacher"].pk, "action": "add"},
        )
    teacher = login(people["teacher"])
    url = f"/cms/pages/{site.pk}/edit/"
    assert "slug" not in teacher.get(url).context["form"].fields
    with commit():
        response = _edit(
            teacher,
            site,
            slug="hacked",
            show_in_menus="on",
            intro=rich_text("<p>学校简介</p>"),
            **{"action-submit": "1"},
        )
    assert response.status_code == 302
    item = PageReview.objects.get(workflow_state__object_id=str(site.pk), status="in_progress")
    school_admin = login(people["school_admin"])
    with commit():
        school_admin.post(f"/review/cms.pagereview/{item.pk}/approve/", {"comment": ""})
    stored = SchoolSitePage.objects.get(pk=site.pk)
    assert "学校简介" in stored.intro  # the content went through review …
    assert stored.slug == "chengnan" and stored.show_in_menus is False  # … the settings not

    # The school's administrator may change them (the host name needs Wagtail's site right).
    form = school_admin.get(url).context["form"]
    assert "slug" in form.fields and "hostname" not in form.fields
    with commit():
        response = _edit(school_admin, stored, slug="chengnan-school", **{"action-publish": "1"})
    assert response.status_code == 302
    assert SchoolSitePage.objects.get(pk=site.pk).slug == "chengnan-school"


def test_the_scheduler_keeps_todays_rights(portal, people):
    column = _column(portal["news"])
    column.direct_publish = True
    column.intro = "<p>定时发布的介绍</p>"
    column.go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    revision = column.save_revision(user=people["editor"])
    # Approved for a time now past (by the office, not noticing the flag in the draft).
    revision.approved_go_live_at = column.go_live_at
    revision.save(update_fields=["approved_go_live_at"])
    with actor_context(None):
        call_command("publish_scheduled", verbosity=0)
    stored = _column(column)
    assert stored.live_revision_id == revision.pk and "定时发布的介绍" in stored.intro
    assert stored.direct_publish is False


def test_in_code_the_editor_is_refused_too(portal, people):
    from edu_portal.cms.rights_fields import RightsFieldsError

    column = _column(portal["direct"])
    column.editor_units = [people["other_editor"].org_unit]
    revision = column.save_revision(user=people["editor"])
    with actor_context(people["editor"]), pytest.raises(RightsFieldsError) as refused:
        revision.publish(user=people["editor"])
    assert "units whose editors write here" in str(refused.value)
    assert _units(column) == {people["editor"].org_unit_id}
