"""One bulk decision in ``/review/`` over a teaching resource and portal pages: the office
ticks them together, each is decided on its own (the resource by the platform's workflow,
the pages by Wagtail's), those that pass are published, and an item that cannot be published
keeps its place in the queue with its reason next to it."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from wagtail.test.utils.form_data import rich_text

from catalog.models import Resource
from edu_portal.cms.models import ColumnPage, PageReview, StandardPage
from edu_portal.notifications.models import Notification
from edu_portal.workflow.models import State
from tests.workflow.helpers import client_for, titles, token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _submit_page(editor, column, title: str) -> StandardPage:
    client = client_for(editor)
    url = f"/cms/pages/add/cms/standardpage/{column.pk}/"
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token(client.get(url)),
            "title": title,
            "slug": f"bulk-{abs(hash(title)) % 10**8}",
            "body": rich_text(f"<p>{title}的正文。</p>"),
            "action-submit": "1",
        },
    )
    assert response.status_code == 302
    return StandardPage.objects.get(title=title)


def _item_key(page) -> str:
    item = PageReview.objects.get(workflow_state__object_id=str(page.pk), status="in_progress")
    return f"cms.pagereview:{item.pk}"


def _resource(editor, title: str) -> Resource:
    return Resource.objects.create(
        title=title,
        kind="courseware",
        uploader=editor,
        org_unit=editor.org_unit,
        state=State.IN_REVIEW,
        submitted_at=timezone.now(),
    )


def _bulk_approve(office, keys):
    client = client_for(office)
    return client.post(
        "/review/bulk/",
        {
            "csrfmiddlewaretoken": token(client.get("/review/")),
            "action": "approve",
            "items": keys,
            "comment": "",
            "next": "/review/",
        },
        follow=True,
    )


def test_a_resource_and_a_portal_page_approved_in_one_post(portal, people, commit):
    editor, office = people["editor"], people["office"]
    resource = _resource(editor, "分数的初步认识课件")
    with commit():
        page = _submit_page(editor, portal["news"], "秋季学期教研活动安排")
    queue = client_for(office).get("/review/")
    assert {"分数的初步认识课件", "秋季学期教研活动安排"} <= titles(queue)

    with commit():
        response = _bulk_approve(office, [f"catalog.resource:{resource.pk}", _item_key(page)])

    resource.refresh_from_db()
    page.refresh_from_db()
    assert resource.state == State.PUBLISHED
    assert page.live and page.current_workflow_state is None
    said = " ".join(str(m) for m in response.context["messages"])
    assert "2 items are now published" in said
    assert not {"分数的初步认识课件", "秋季学期教研活动安排"} & titles(response)
    # Wagtail's history of the page says who approved it; the editor was told.
    assert page.current_workflow_state is None
    state = page.workflow_states.get()
    assert state.status == "approved" and state.current_task_state.finished_by == office
    told = Notification.objects.filter(recipient=editor, subject__contains="秋季学期教研活动安排")
    assert told.exists()


def test_an_item_that_cannot_be_published_shows_its_reason_the_others_pass(portal, people, commit):
    editor, office = people["editor"], people["office"]
    resource = _resource(editor, "几何初步课件")
    with commit():
        page = _submit_page(editor, portal["news"], "期末考试安排")
    # A draft of the column itself that would let its editors publish without approval
    # (written before the rule, or by code): its approval is refused by the model's check.
    column = ColumnPage.objects.get(pk=portal["news"].pk)
    column.direct_publish = True
    column.save_revision(user=editor)
    with commit():
        column.get_workflow().start(column, editor)
    keys = [f"catalog.resource:{resource.pk}", _item_key(column), _item_key(page)]

    with commit():
        response = _bulk_approve(office, keys)

    resource.refresh_from_db()
    page.refresh_from_db()
    assert resource.state == State.PUBLISHED and page.live
    assert ColumnPage.objects.get(pk=column.pk).direct_publish is False
    [item] = response.context["items"]
    assert item["label"] == column.title
    assert "only the bureau office may change who writes in a column" in item["error"]
    html = response.content.decode()
    card = html.index(f'id="item-{keys[1].replace(":", "-")}"')
    assert card < html.index('class="review-error"') < html.index("</li>", card)
    said = [str(m) for m in response.context["messages"]]
    assert any("2 items are now published" in text for text in said)
    assert any("1 item was not changed" in text for text in said)
    # Still waiting, for the office to request changes.
    assert PageReview.objects.filter(
        workflow_state__object_id=str(column.pk), status="in_progress"
    ).exists()
