"""Per-column rights through the Wagtail admin's own HTTP interface (the pages editors
use), and the review path through ``/review/``."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import rich_text

from edu_portal.cms.models import PageReview, StandardPage
from edu_portal.notifications.models import Notification
from tests.cms.rights.conftest import ADDRESS, login


def _add(client, parent, title: str, action: str = "action-submit"):
    return client.post(
        f"/cms/pages/add/cms/standardpage/{parent.pk}/",
        {
            "title": title,
            "slug": f"p-{abs(hash(title)) % 10**8}",
            "body": rich_text(f"<p>{title}的正文。</p>"),
            action: "1",
        },
    )


def _page(title: str) -> StandardPage | None:
    return StandardPage.objects.filter(title=title).first()


def _entries(page, action: str) -> list[LogEntry]:
    """The audit entries of ``page`` for one portal action ("publish", "workflow.approve" …)."""
    rows = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(page)), object_pk=str(page.pk)
    )
    return [row for row in rows if (row.changes_dict.get("action") or [None, None])[1] == action]


def _one(page, action: str) -> LogEntry:
    entries = _entries(page, action)
    assert len(entries) == 1, entries
    return entries[0]


def _review_item(page) -> PageReview:
    return PageReview.objects.get(workflow_state__object_id=str(page.pk), status="in_progress")


def test_editor_submits_in_own_column_and_the_office_is_told(portal, people, commit):
    with commit():
        response = _add(login(people["editor"]), portal["news"], "春季开学通知")
    assert response.status_code == 302
    page = _page("春季开学通知")
    assert page is not None and not page.live
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "审核发布"
    submit = _one(page, "workflow.submit")
    assert submit.actor == people["editor"] and submit.remote_addr == ADDRESS
    told = Notification.objects.filter(recipient=people["office"])
    assert told.filter(subject__contains="春季开学通知").exists()
    assert not Notification.objects.filter(recipient=people["editor"]).exists()


def test_editor_is_refused_in_another_column(portal, people):
    client = login(people["editor"])
    response = _add(client, portal["notices"], "越权稿件", action="action-publish")
    assert response.status_code in (302, 403)
    assert _page("越权稿件") is None
    assert client.get(f"/cms/pages/add/cms/standardpage/{portal['notices'].pk}/").status_code != 200


def test_editor_cannot_publish_in_a_reviewed_column(portal, people, commit):
    with commit():
        _add(login(people["editor"]), portal["news"], "想直接发布", action="action-publish")
    page = _page("想直接发布")
    # Wagtail saves the draft but does not publish without the publish permission.
    assert page is None or not page.live


def test_editor_publishes_directly_in_a_direct_publish_column(portal, people, commit):
    with commit():
        response = _add(login(people["editor"]), portal["direct"], "局文件一号", "action-publish")
    assert response.status_code == 302
    page = _page("局文件一号")
    assert page.live
    entry = _one(page, "publish")
    assert entry.actor == people["editor"] and entry.remote_addr == ADDRESS


def test_office_approves_from_the_review_queue(portal, people, commit):
    with commit():
        _add(login(people["editor"]), portal["news"], "待审新闻")
    page = _page("待审新闻")
    office = login(people["office"])
    queue = office.get("/review/").content.decode()
    assert "待审新闻" in queue and "教育新闻" in queue and "cms_editor" in queue
    item = _review_item(page)
    assert f"/cms/pages/workflow/preview/{page.pk}/" in queue
    with commit():
        response = office.post(f"/review/cms.pagereview/{item.pk}/approve/", {"comment": ""})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    assert page.current_workflow_state is None
    approve = _one(page, "workflow.approve")
    assert approve.actor == people["office"] and approve.remote_addr == ADDRESS
    publish = _one(page, "publish")
    assert publish.actor == people["office"] and publish.remote_addr == ADDRESS
    told = Notification.objects.filter(recipient=people["editor"], subject__contains="待审新闻")
    assert told.exists()


def test_office_requests_changes_from_the_review_queue(portal, people, commit):
    with commit():
        _add(login(people["editor"]), portal["news"], "需修改的新闻")
    page = _page("需修改的新闻")
    item = _review_item(page)
    office = login(people["office"])
    # A comment is required: nothing happens without one.
    office.post(f"/review/cms.pagereview/{item.pk}/request_changes/", {"comment": " "})
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    with commit():
        office.post(
            f"/review/cms.pagereview/{item.pk}/request_changes/",
            {"comment": "请补充发布日期。"},
        )
    page.refresh_from_db()
    assert not page.live
    assert page.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    told = Notification.objects.get(recipient=people["editor"])
    assert "请补充发布日期。" in told.body
    reject = _one(page, "workflow.reject")
    assert reject.actor == people["office"] and reject.remote_addr == ADDRESS
    # The editor sees it in "my submissions" with the reviewer's word.
    mine = login(people["editor"]).get("/review/mine/").content.decode()
    assert "需修改的新闻" in mine and "请补充发布日期。" in mine


def test_nobody_approves_their_own_submission(portal, people, commit):
    # The office reviewer writes a page themselves: it waits for another approver.
    with commit():
        _add(login(people["office"]), portal["news"], "办公室自己的稿件")
    page = _page("办公室自己的稿件")
    if page.live:  # the office holds publish and may have published directly: not this test
        return
    item = _review_item(page)
    office = login(people["office"])
    assert "办公室自己的稿件" not in office.get("/review/").content.decode()
    office.post(f"/review/cms.pagereview/{item.pk}/approve/")
    page.refresh_from_db()
    assert not page.live


def test_a_department_editor_cannot_approve_through_the_queue(portal, people, commit):
    with commit():
        _add(login(people["editor"]), portal["news"], "别人不能批")
    page = _page("别人不能批")
    item = _review_item(page)
    other = login(people["other_editor"])
    response = other.post(f"/review/cms.pagereview/{item.pk}/approve/")
    assert response.status_code == 404
    page.refresh_from_db()
    assert not page.live


def test_office_takes_a_page_down_and_it_is_audited(portal, people, commit):
    with commit():
        _add(login(people["editor"]), portal["direct"], "要撤下的文件", "action-publish")
    page = _page("要撤下的文件")
    assert page.live
    # The editor of the column may not take it down … (only publishers may unpublish)
    refused = login(people["other_editor"]).post(f"/cms/pages/{page.pk}/unpublish/")
    page.refresh_from_db()
    assert page.live and refused.status_code in (302, 403)
    with commit():
        response = login(people["office"]).post(f"/cms/pages/{page.pk}/unpublish/")
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live
    entry = _one(page, "unpublish")
    assert entry.actor == people["office"] and entry.remote_addr == ADDRESS


def test_school_admin_grants_a_teacher_who_then_writes_only_in_the_school(portal, people, commit):
    teacher = login(people["teacher"])
    assert teacher.get(f"/cms/pages/add/cms/standardpage/{portal['site'].pk}/").status_code != 200
    with commit():
        response = login(people["school_admin"]).post(
            "/school-admin/site-editors/",
            {"school": portal["site"].school_id, "user": people["teacher"].pk, "action": "add"},
        )
    assert response.status_code == 302
    teacher = login(people["teacher"])
    assert teacher.get(f"/cms/pages/add/cms/standardpage/{portal['site'].pk}/").status_code == 200
    assert teacher.get(f"/cms/pages/add/cms/standardpage/{portal['news'].pk}/").status_code != 200
    with commit():
        _add(teacher, portal["site"], "城南小学运动会")
    page = _page("城南小学运动会")
    assert page is not None and not page.live
    # The school's administrator approves the school's pages; the office need not.
    item = _review_item(page)
    assert "城南小学运动会" in login(people["school_admin"]).get("/review/").content.decode()
    with commit():
        login(people["school_admin"]).post(f"/review/cms.pagereview/{item.pk}/approve/")
    page.refresh_from_db()
    assert page.live


def test_removing_the_role_revokes_the_rights(portal, people, commit):
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import RoleAssignment

    editor = people["editor"]
    assert (
        login(editor).get(f"/cms/pages/add/cms/standardpage/{portal['news'].pk}/").status_code
        == 200
    )
    with commit():
        for assignment in RoleAssignment.objects.filter(user=editor):
            actions.revoke_role(actions.SYSTEM, editor, assignment.role, assignment.org_unit)
    editor.refresh_from_db()
    assert not editor.groups.exists()
    assert (
        login(editor).get(f"/cms/pages/add/cms/standardpage/{portal['news'].pk}/").status_code
        != 200
    )


def test_deactivating_an_account_revokes_the_rights(portal, people, commit):
    editor = people["editor"]
    with commit():
        editor.is_active = False
        editor.save()
    assert not editor.groups.exists()


def test_revision_compare_for_own_column_only(portal, people, commit):
    editor = login(people["editor"])
    with commit():
        _add(editor, portal["direct"], "修订对比", "action-publish")
    page = _page("修订对比")
    revision = page.latest_revision
    url = f"/cms/pages/{page.pk}/revisions/compare/earliest...{revision.pk}/"
    assert editor.get(url).status_code == 200
    assert editor.get(f"/cms/pages/{page.pk}/history/").status_code == 200
    other = login(people["other_editor"])
    assert other.get(url).status_code in (302, 403)
