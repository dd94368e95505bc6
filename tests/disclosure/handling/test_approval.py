"""Assignment, the department's draft, the office's return and approval: the approval
records the reply through the clock's ``replied`` event (so the API agrees), with the
reply type and the Table 三 outcome; who may do what."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from rest_framework.test import APIClient

from edu_portal.disclosure.models import Application, ClockEvent, Draft, Step
from edu_portal.notifications.models import Notification
from tests.disclosure.handling.conftest import D

pytestmark = pytest.mark.django_db


def _step(client, application, name, data=None):
    return client.post(f"/disclosure/staff/{application.pk}/handle/{name}/", data or {})


def _assign(client, application, unit, handler=None):
    data = {"unit": unit.pk, "note": "请于期限内答复"}
    if handler:
        data["handler"] = handler.pk
    return _step(client, application, "assign", data)


DRAFT = {
    "reply_type": "disclosed",
    "outcome": "disclose",
    "text": "招生计划已随本答复书附上，共3页。",
}


def test_assign_draft_return_redraft_approve(
    client, office, editor, department, application, django_capture_on_commit_callbacks
):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = _assign(client, application, department, editor)
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.handler_unit, application.handler) == (department, editor)
    assert Notification.objects.filter(recipient=editor, category="application").exists()

    client.force_login(editor)
    page = client.get(f"/disclosure/staff/{application.pk}/handle/")
    assert page.status_code == 200 and 'id="draft-form"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _step(client, application, "draft", DRAFT).status_code == 302
    assert Notification.objects.filter(recipient=office, subject__contains="draft").exists()
    # One draft at a time awaits the office.
    again = _step(client, application, "draft", DRAFT)
    assert again.status_code == 400
    assert Draft.objects.filter(application=application).count() == 1

    client.force_login(office)
    refused = _step(client, application, "return", {"comment": ""})
    assert refused.status_code == 400
    assert _step(client, application, "return", {"comment": "请写明获取方式"}).status_code == 302
    draft = Draft.objects.get()
    assert (draft.state, draft.comment, draft.reviewer) == ("returned", "请写明获取方式", office)

    client.force_login(editor)
    page = client.get(f"/disclosure/staff/{application.pk}/handle/").content.decode()
    assert "请写明获取方式" in page  # the department sees what to change
    second = {**DRAFT, "text": "招生计划见附件，亦可在本局网站“政策文件”栏目查阅。"}
    assert _step(client, application, "draft", second).status_code == 302

    client.force_login(office)
    assert _step(client, application, "approve", {"on": "2026-11-09"}).status_code == 302
    application.refresh_from_db()
    assert application.state == "replied"
    assert (application.outcome, application.replied_on) == ("disclose", D(2026, 11, 9))
    assert application.reply_text == second["text"]
    replied = ClockEvent.objects.get(application=application, type="replied")
    assert (replied.on, replied.outcome, replied.actor) == (D(2026, 11, 9), "disclose", office)
    approved = Draft.objects.get(state="approved")
    assert approved.reply_type == "disclosed" and approved.reviewer == office
    kinds = list(Step.objects.filter(application=application).values_list("type", flat=True))
    assert kinds[:5] == ["assigned", "drafted", "returned", "drafted", "approved"]
    # The interface of issue 15 tells the same story.
    api = APIClient()
    api.force_authenticate(office)
    body = api.get(f"/api/v1/disclosure-applications/{application.pk}/").json()
    assert (body["state"], body["outcome"], body["replied_on"]) == (
        "replied",
        "disclose",
        "2026-11-09",
    )
    assert LogEntry.objects.get_for_object(application).filter(changes__icontains="approved")


def test_the_reply_type_and_outcome_must_agree(client, office, editor, department, application):
    client.force_login(office)
    _assign(client, application, department)
    client.force_login(editor)
    bad = {**DRAFT, "reply_type": "refused", "outcome": "disclose"}
    response = _step(client, application, "draft", bad)
    assert response.status_code == 400
    assert "does not go with" in response.content.decode()
    # The task's own outcomes cannot be drafted.
    lapsed = {**DRAFT, "reply_type": "other", "outcome": "other_no_fee"}
    assert _step(client, application, "draft", lapsed).status_code == 400
    assert not Draft.objects.exists()


def test_who_may_do_what(
    client, office, editor, other_editor, department, other_department, application, teacher_user
):
    # The office does not draft (it approves); a department cannot assign or approve.
    client.force_login(office)
    assert _step(client, application, "draft", DRAFT).status_code == 403
    client.force_login(editor)
    assert _assign(client, application, department).status_code == 404  # not its case yet
    client.force_login(office)
    _assign(client, application, department)
    client.force_login(editor)
    assert _assign(client, application, department).status_code == 403
    _step(client, application, "draft", DRAFT)
    assert _step(client, application, "approve", {"on": "2026-11-09"}).status_code == 403
    assert Application.objects.get(pk=application.pk).state == "open"
    # Another department does not see the case at all; a teacher has no handling pages.
    client.force_login(other_editor)
    assert client.get(f"/disclosure/staff/{application.pk}/handle/").status_code == 404
    assert _step(client, application, "draft", DRAFT).status_code == 404
    client.force_login(teacher_user)
    assert client.get(f"/disclosure/staff/{application.pk}/handle/").status_code == 403
    client.logout()
    response = client.get(f"/disclosure/staff/{application.pk}/handle/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_assignment_refusals(client, office, editor, other_editor, school, department, application):
    client.force_login(office)
    # A school is not a department of the bureau; a handler must belong to the department.
    assert _assign(client, application, school).status_code == 400
    response = _assign(client, application, department, other_editor)
    assert response.status_code == 400
    assert "department who may draft" in response.content.decode()
    assert Application.objects.get(pk=application.pk).handler_unit is None
    # While a draft awaits approval the case stays where it is.
    _assign(client, application, department, editor)
    client.force_login(editor)
    _step(client, application, "draft", DRAFT)
    client.force_login(office)
    from tests.disclosure.handling.conftest import register

    assert _assign(client, application, department).status_code == 400
    # An unconfirmed online application cannot be assigned before its clock starts.
    online = register(office)
    Application.objects.filter(pk=online.pk).update(received_on=None, state="submitted")
    assert _assign(client, online, department).status_code == 400


def test_approval_dates_are_checked(client, office, editor, department, application, today):
    client.force_login(office)
    _assign(client, application, department)
    client.force_login(editor)
    _step(client, application, "draft", DRAFT)
    client.force_login(office)
    future = _step(client, application, "approve", {"on": "2026-11-11"})
    assert future.status_code == 400
    before = _step(client, application, "approve", {"on": "2026-10-30"})
    assert before.status_code == 400
    assert "before the application was received" in before.content.decode()
    application.refresh_from_db()
    assert application.state == "open" and not application.events.filter(type="replied")
    assert Draft.objects.get().state == "pending"


def test_archive_only_closed_cases(client, office, editor, department, application):
    client.force_login(office)
    assert _step(client, application, "archive", {"note": ""}).status_code == 400
    _assign(client, application, department)
    client.force_login(editor)
    _step(client, application, "draft", DRAFT)
    client.force_login(office)
    _step(client, application, "approve", {"on": "2026-11-09"})
    assert _step(client, application, "archive", {"note": "卷宗第12号"}).status_code == 302
    assert _step(client, application, "archive", {"note": ""}).status_code == 400
    assert Step.objects.filter(application=application, type="archived").count() == 1
