"""Resubmitting after "changes requested" with a note: the workflow's submit step carries
it; the reviewer reads it in the queue, and it stays in the review history."""

from __future__ import annotations

import pytest
from django.test import Client

from edu_portal.workflow.models import ReviewEvent, State
from tests.authoring.conftest import client_for

pytestmark = pytest.mark.django_db

NOTE = "已改正第三页的错别字，并换了新的文件。"


def submit_url(resource) -> str:
    return f"/review/catalog.resource/{resource.pk}/submit/"


def test_resubmit_with_a_note(teacher, make):
    resource = make("退回的课件", state="changes_requested")
    response = client_for(teacher).post(
        submit_url(resource),
        {"comment": NOTE, "state": "changes_requested", "next": "/resources/mine/"},
    )
    assert response.status_code == 302 and response["Location"] == "/resources/mine/"
    resource.refresh_from_db()
    assert resource.state == State.IN_REVIEW
    event = ReviewEvent.objects.filter(object_id=str(resource.pk)).order_by("-pk").first()
    assert (event.action, event.from_state, event.comment) == ("submit", "changes_requested", NOTE)
    assert event.actor == teacher


def test_the_reviewer_sees_the_note_in_the_queue(teacher, make):
    resource = make("退回的课件", state="changes_requested")
    client_for(teacher).post(submit_url(resource), {"comment": NOTE, "state": "changes_requested"})
    reviewer = ReviewEvent.objects.get(object_id=str(resource.pk), action="request_changes").actor
    page = client_for(reviewer).get("/review/").content.decode()
    assert "退回的课件" in page and NOTE in page and "Author's note" in page


def test_the_edit_page_shows_the_history_with_the_note(teacher, make):
    resource = make("退回的课件", state="changes_requested")
    client = client_for(teacher)
    client.post(submit_url(resource), {"comment": NOTE, "state": "changes_requested"})
    client.post(f"/review/catalog.resource/{resource.pk}/withdraw/", {"state": "in_review"})
    page = client.get(f"/resources/{resource.pk}/edit/").content.decode()
    assert NOTE in page and "请把第三页的错别字改正。" in page


def test_my_submissions_links_to_the_edit_page(teacher, make):
    resource = make("退回的课件", state="changes_requested")
    page = client_for(teacher).get("/review/mine/").content.decode()
    assert f'href="/resources/{resource.pk}/edit/"' in page


def test_a_resubmit_without_csrf_token_changes_nothing(teacher, make):
    resource = make("退回的课件", state="changes_requested")
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.1.2.3")
    client.force_login(teacher)
    response = client.post(submit_url(resource), {"comment": NOTE, "state": "changes_requested"})
    assert response.status_code == 403
    assert client.get(submit_url(resource)).status_code == 405
    resource.refresh_from_db()
    assert resource.state == State.CHANGES_REQUESTED


def test_others_cannot_resubmit(other_teacher, make):
    resource = make("退回的课件", state="changes_requested")
    response = client_for(other_teacher).post(
        submit_url(resource), {"comment": "我来提交", "state": "changes_requested"}
    )
    assert response.status_code == 404
    resource.refresh_from_db()
    assert resource.state == State.CHANGES_REQUESTED
