"""Deciding on several items at once: a result per item, errors next to the item they
concern, items that succeeded leave the queue; ids outside the reviewer's scope are refused
one by one and change nothing; GET never changes anything."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.utils import timezone

from catalog.models import Resource
from edu_portal.accounts import actions
from edu_portal.accounts.roles import Role
from edu_portal.workflow.models import ReviewEvent, State
from tests.workflow.helpers import client_for, key, titles, token

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(make_resource):
    def make(title, **fields):
        return make_resource(
            title=title, state=State.IN_REVIEW, submitted_at=timezone.now(), **fields
        )

    return make


def _post(client, action, keys, comment="", next_url="/review/"):
    response = client.get(next_url)
    return client.post(
        "/review/bulk/",
        {
            "csrfmiddlewaretoken": token(response),
            "action": action,
            "items": keys,
            "comment": comment,
            "next": next_url,
        },
        follow=True,
    )


def _first_message(response) -> str:
    return next(str(m) for m in response.context["messages"])


def _states(*resources) -> list[str]:
    return [Resource.objects.get(pk=r.pk).state for r in resources]


def test_bulk_approve(school_reviewer, waiting):
    a, b, c = waiting("课件一"), waiting("课件二"), waiting("课件三")
    response = _post(client_for(school_reviewer), "approve", [key(a), key(b)])
    assert response.redirect_chain[-1][0] == "/review/"
    assert _states(a, b, c) == [State.PUBLISHED, State.PUBLISHED, State.IN_REVIEW]
    assert titles(response) == {"课件三"}  # the decided ones left the queue
    [(level, text)] = [(m.level, str(m)) for m in response.context["messages"]]
    assert level == messages.SUCCESS
    assert "2 items are now published" in text and "课件一" in text and "课件二" in text
    assert ReviewEvent.objects.filter(action="approve").count() == 2


def test_bulk_request_changes_with_one_comment(school_admin, waiting):
    a, b = waiting("课件一"), waiting("课件二")
    _post(client_for(school_admin), "request_changes", [key(a), key(b)], "请补充教学目标。")
    for resource in Resource.objects.filter(pk__in=[a.pk, b.pk]):
        assert resource.state == State.CHANGES_REQUESTED
        assert resource.review_comment == "请补充教学目标。"


def test_request_changes_needs_the_comment_once(school_reviewer, waiting):
    a, b = waiting("课件一"), waiting("课件二")
    response = _post(client_for(school_reviewer), "request_changes", [key(a), key(b)], " ")
    assert _states(a, b) == [State.IN_REVIEW, State.IN_REVIEW]
    [text] = [str(m) for m in response.context["messages"]]
    assert "comment is required" in text
    assert not ReviewEvent.objects.exists()


def test_one_failing_item_shows_its_error_next_to_it(review_only, school, waiting, collection):
    """She publishes at her school, but only reviews (without publishing) the bureau's
    collection: that item stays with its reason; the others are published."""
    actions.assign_role(actions.SYSTEM, review_only, Role.SCHOOL_REVIEWER, school)
    a, b = waiting("课件一"), waiting("课件二")
    collected = waiting("省级课件", collection=collection)
    client = client_for(review_only)

    response = _post(client, "approve", [key(a), key(collected), key(b)])

    assert _states(a, b, collected) == [State.PUBLISHED, State.PUBLISHED, State.IN_REVIEW]
    [item] = response.context["items"]
    assert item["label"] == "省级课件"
    assert item["error"].startswith("Only reviewers with the right to publish at 教研室")
    page = response.content.decode()
    card = page.index(f'id="item-catalog.resource-{collected.pk}"')
    assert card < page.index('class="review-error"') < page.index("</li>", card)
    texts = [str(m) for m in response.context["messages"]]
    assert any("2 items are now published" in t for t in texts)
    assert any("1 item was not changed" in t for t in texts)
    assert response.context["stray_errors"] == []
    # shown once only
    assert client.get("/review/").context["items"][0]["error"] == ""


def test_items_outside_the_scope_are_refused_one_by_one(
    school_admin, waiting, other_school_teacher, collection, teacher, make_resource
):
    other_school = waiting("实验课件", uploader=other_school_teacher)
    collected = waiting("省级课件", collection=collection)
    draft = make_resource(title="草稿")
    own = waiting("校长课件", uploader=school_admin)
    mine_to_review = waiting("城南课件")
    keys = [
        key(other_school),
        key(collected),
        key(draft),
        key(own),
        "catalog.resource:999999",
        "catalog.resource:abc",
        "accounts.user:1",
        "nonsense",
        key(mine_to_review),
    ]

    response = _post(client_for(school_admin), "approve", keys)

    assert _states(other_school, collected, draft, own) == [
        State.IN_REVIEW,
        State.IN_REVIEW,
        State.DRAFT,
        State.IN_REVIEW,
    ]
    assert _states(mine_to_review) == [State.PUBLISHED]
    assert list(ReviewEvent.objects.values_list("object_id", flat=True)) == [str(mine_to_review.pk)]
    page = response.content.decode()
    for hidden in ("实验课件", "省级课件"):
        assert hidden not in page  # refusals do not reveal others' titles
    stray = response.context["stray_errors"]
    # the draft is within her school (she may see it), so she is told why
    assert "Only items in review can be approved. This one is “Draft”." in stray
    assert "This item was not found, or it is not yours to review." in stray
    assert any(text.startswith("Only reviewers") for text in stray)  # her own upload


def test_duplicates_are_decided_once(school_reviewer, waiting):
    a = waiting("课件一")
    response = _post(client_for(school_reviewer), "approve", [key(a), key(a)])
    assert ReviewEvent.objects.count() == 1
    assert response.context["stray_errors"] == []


def test_nothing_ticked_or_unknown_action(school_reviewer, waiting):
    a = waiting("课件一")
    client = client_for(school_reviewer)
    response = _post(client, "approve", [])
    assert "Tick at least one item" in _first_message(response)
    response = _post(client, "withdraw", [key(a)])
    assert "Choose" in _first_message(response)
    assert _states(a) == [State.IN_REVIEW]


def test_too_many_items(school_reviewer, waiting, monkeypatch):
    monkeypatch.setattr("edu_portal.workflow.bulk.MAX_ITEMS", 1)
    a, b = waiting("课件一"), waiting("课件二")
    response = _post(client_for(school_reviewer), "approve", [key(a), key(b)])
    assert "At most 1 items" in _first_message(response)
    assert _states(a, b) == [State.IN_REVIEW, State.IN_REVIEW]


def test_csrf_and_get_never_change_state(school_reviewer, waiting):
    a = waiting("课件一")
    client = client_for(school_reviewer)
    assert client.post("/review/bulk/", {"action": "approve", "items": [key(a)]}).status_code == 403
    assert client.get("/review/bulk/", {"action": "approve", "items": [key(a)]}).status_code == 405
    client.get("/review/", {"action": "approve", "items": [key(a)], "comment": "x"})
    assert _states(a) == [State.IN_REVIEW]
    assert not ReviewEvent.objects.exists()


def test_a_student_is_refused_per_item(student, waiting):
    from django.test import Client

    a = waiting("课件一")
    client = Client()  # even with the CSRF check out of the way
    client.force_login(student)
    response = client.post("/review/bulk/", {"action": "approve", "items": [key(a)]})
    assert response.status_code == 302
    assert _states(a) == [State.IN_REVIEW]
    assert client.session["workflow_item_errors"] == {
        key(a): "This item was not found, or it is not yours to review."
    }


def test_queue_page_has_the_bulk_form(school_reviewer, waiting):
    a = waiting("课件一")
    page = client_for(school_reviewer).get("/review/").content.decode()
    assert 'id="bulk-form"' in page and 'action="/review/bulk/"' in page
    assert f'value="{key(a)}" form="bulk-form"' in page
    assert "<script>" not in page and "onclick" not in page
