"""A service guide missing a required element cannot be published by any route; saving a
draft is allowed; the refusal names the missing elements; a complete guide publishes."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.actions.publish_page_revision import PublishPageRevisionAction
from wagtail.models import Workflow, WorkflowState

from edu_portal.cms.guides import RICH_ELEMENTS, IncompleteGuideError
from edu_portal.cms.models import ServiceGuidePage
from tests.people import make_user

pytestmark = pytest.mark.django_db

COMPLETE = {
    "basis": "<p>《教师资格条例》</p>",
    "conditions": "<p>具备相应学历</p>",
    "materials": "<p>身份证、学历证书</p>",
    "procedure": "<p>网上申报、现场确认</p>",
    "time_limit": "20个工作日",
    "fees": "不收费",
    "location": "政务服务中心二楼",
    "phone": "0000-1000001",
    "faq": "<p>问：可以代办吗？答：不可以。</p>",
}


def _guide(tree, **overrides) -> ServiceGuidePage:
    fields = {**COMPLETE, **overrides}
    guide = ServiceGuidePage(title="教师资格认定", slug="certification", live=False, **fields)
    tree["guides"].add_child(instance=guide)
    return ServiceGuidePage.objects.get(pk=guide.pk)


def _incomplete(tree) -> ServiceGuidePage:
    # An editor's empty paragraph is not content.
    return _guide(tree, basis="<p> </p>", fees="")


def test_a_draft_may_be_incomplete_but_publishing_it_in_code_is_refused(tree):
    guide = _incomplete(tree)
    revision = guide.save_revision()  # saving a draft: allowed
    with pytest.raises(IncompleteGuideError) as refusal:
        revision.publish()
    message = str(refusal.value)
    assert "legal basis" in message and "fees" in message and "conditions" not in message
    guide.refresh_from_db()
    assert not guide.live and guide.live_revision is None


def test_wagtails_publish_action_run_directly_is_refused(tree):
    guide = _incomplete(tree)
    revision = guide.save_revision()
    with pytest.raises(IncompleteGuideError):
        PublishPageRevisionAction(revision).execute()
    guide.refresh_from_db()
    assert not guide.live


def test_a_complete_guide_publishes_and_shows_its_elements(tree):
    guide = _guide(tree)
    guide.save_revision().publish()
    guide.refresh_from_db()
    assert guide.live
    body = Client().get("/services/guides/certification/").content.decode()
    for value in (
        "教师资格认定",
        "《教师资格条例》",
        "20个工作日",
        "不收费",
        "政务服务中心二楼",
        "0000-1000001",
        "可以代办吗",
    ):
        assert value in body


def test_scheduled_publishing_skips_an_incomplete_guide_and_publishes_the_rest(tree):
    guide = _incomplete(tree)
    revision = guide.save_revision()
    # A schedule that slipped past the checks (written straight into the revision).
    revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=5)
    revision.save(update_fields=["approved_go_live_at"])
    other = ServiceGuidePage(title="学籍转学", slug="transfer", live=False, **COMPLETE)
    tree["guides"].add_child(instance=other)
    other = ServiceGuidePage.objects.get(pk=other.pk)
    other_revision = other.save_revision(
        approved_go_live_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    other_revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=5)
    other_revision.save(update_fields=["approved_go_live_at"])

    call_command("publish_scheduled")

    guide.refresh_from_db()
    other.refresh_from_db()
    revision.refresh_from_db()
    assert not guide.live and revision.approved_go_live_at is None
    assert other.live


def test_workflow_approval_of_an_incomplete_guide_is_refused_and_undone(tree):
    approver = make_user("approver", is_superuser=True, is_staff=True)
    guide = _incomplete(tree)
    guide.save_revision(user=approver)
    workflow = Workflow.objects.create(name="guides")
    from wagtail.models import GroupApprovalTask, WorkflowTask

    task = GroupApprovalTask.objects.create(name="approve")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    state = workflow.start(guide, approver)
    with pytest.raises(IncompleteGuideError):
        state.current_task_state.approve(user=approver)
    guide.refresh_from_db()
    state = WorkflowState.objects.get(pk=state.pk)
    assert not guide.live
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


def _admin_client() -> Client:
    admin = make_user("cms_admin", is_superuser=True, is_staff=True, password="Admin-pass-1")
    client = Client()
    client.force_login(admin)
    return client


def _editor_value(name: str, value: str) -> str:
    # The editor posts rich text as Draftail's content state, not HTML.
    if name not in RICH_ELEMENTS:
        return value
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    from edu_portal.cms.models.pages import RICH_TEXT_FEATURES

    return ContentstateConverter(RICH_TEXT_FEATURES).from_database_format(value)


def _form(guide: ServiceGuidePage, **changes) -> dict:
    data = {
        "title": guide.title,
        "slug": guide.slug,
        "department": "",
        **{name: _editor_value(name, getattr(guide, name)) for name in COMPLETE},
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_the_editor_saves_an_incomplete_draft_but_cannot_publish_or_submit_it(tree):
    client = _admin_client()
    guide = _incomplete(tree)
    url = f"/cms/pages/{guide.pk}/edit/"
    saved = client.post(url, _form(guide))
    assert saved.status_code == 302
    guide.refresh_from_db()
    assert guide.latest_revision is not None and not guide.live

    refused = client.post(url, _form(guide, **{"action-publish": "action-publish"}))
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "cannot be published" in text and "legal basis" in text and "fees" in text
    guide.refresh_from_db()
    assert not guide.live

    # With an approval workflow on the tree, submitting is validated like publishing.
    from wagtail.models import GroupApprovalTask, WorkflowPage, WorkflowTask

    workflow = Workflow.objects.create(name="审核发布")
    task = GroupApprovalTask.objects.create(name="office")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=tree["home"])
    submitted = client.post(url, _form(guide, **{"action-submit": "action-submit"}))
    assert submitted.status_code == 200 and "cannot be published" in submitted.content.decode()
    assert not WorkflowState.objects.filter(object_id=str(guide.pk)).exists()


def test_the_editor_publishes_a_complete_guide(tree):
    client = _admin_client()
    guide = _guide(tree)
    response = client.post(
        f"/cms/pages/{guide.pk}/edit/", _form(guide, **{"action-publish": "action-publish"})
    )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.live


def test_the_guides_column_lists_guides_with_their_department(tree, department):
    from django.template import Context, Template

    _guide(tree, department=department).save_revision().publish()
    html = Template(
        "{% load cms_sections %}{% service_guides page as guides %}"
        "{% include 'cms/includes/guide_list.html' %}"
    ).render(Context({"page": tree["guides"]}))
    assert "教师资格认定" in html and department.name in html
