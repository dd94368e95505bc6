"""The review queue and "my submissions" pages, and their buttons (CSRF checks on)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.test import Client
from django.utils import timezone

from catalog.models import Resource
from edu_portal.workflow.models import ReviewEvent, State

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _token(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def _act_url(resource, action) -> str:
    return f"/review/catalog.resource/{resource.pk}/{action}/"


def _messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


def test_login_required(client):
    response = client.get("/review/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_people_who_neither_submit_nor_review_get_a_reason(student):
    response = _client(student).get("/review/")
    assert response.status_code == 403
    assert "not_a_reviewer" in response.content.decode()


def test_queue_lists_what_the_reviewer_may_decide(
    reviewer, school_reviewer, make_resource, collection, teacher
):
    now = timezone.now()
    newer = make_resource(state=State.IN_REVIEW, title="新课件", submitted_at=now)
    older = make_resource(
        state=State.IN_REVIEW, title="旧课件", submitted_at=now - timedelta(days=2)
    )
    elsewhere = make_resource(
        state=State.IN_REVIEW, title="省级课件", collection=collection, submitted_at=now
    )
    make_resource(state=State.DRAFT, title="草稿课件")

    page = _client(reviewer).get("/review/").content.decode()
    assert page.index("旧课件") < page.index("新课件")
    assert "草稿课件" not in page
    for resource in (newer, older, elsewhere):
        assert f'href="/resources/{resource.pk}/"' in page
        assert _act_url(resource, "approve") in page
        assert _act_url(resource, "request_changes") in page
    assert teacher.get_username() in page or str(teacher) in page
    assert "城南小学" in page

    page = _client(school_reviewer).get("/review/").content.decode()
    assert "省级课件" not in page
    assert "旧课件" in page and "新课件" in page


def test_reviewer_without_publish_right_gets_no_approve_button(review_only, in_review):
    page = _client(review_only).get("/review/").content.decode()
    assert _act_url(in_review, "request_changes") in page
    assert _act_url(in_review, "approve") not in page


def test_empty_queue(reviewer):
    response = _client(reviewer).get("/review/")
    assert response.status_code == 200
    assert response.context["items"] == []


def test_paginated_oldest_first(reviewer, make_resource):
    start = timezone.now() - timedelta(days=30)
    made = [
        make_resource(
            state=State.IN_REVIEW, title=f"课件{i:02d}", submitted_at=start + timedelta(hours=i)
        )
        for i in range(25)
    ]
    client = _client(reviewer)
    first = client.get("/review/")
    assert [item["object"].pk for item in first.context["items"]] == [r.pk for r in made[:20]]
    second = client.get("/review/?page=2")
    assert [item["object"].pk for item in second.context["items"]] == [r.pk for r in made[20:]]
    assert "?page=2" in first.content.decode()


def test_approve_through_the_page(reviewer, in_review):
    client = _client(reviewer)
    token = _token(client.get("/review/"))

    response = client.post(
        _act_url(in_review, "approve"),
        {"csrfmiddlewaretoken": token, "comment": "", "next": "/review/"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/review/"
    in_review.refresh_from_db()
    assert in_review.state == State.PUBLISHED
    [(level, text)] = _messages(response)
    assert level == messages.SUCCESS
    assert in_review.title in text
    assert in_review.title not in "".join(i["label"] for i in response.context["items"])


def test_request_changes_through_the_page(reviewer, in_review):
    client = _client(reviewer)
    token = _token(client.get("/review/"))
    response = client.post(
        _act_url(in_review, "request_changes"),
        {"csrfmiddlewaretoken": token, "comment": "请补充板书设计。"},
        follow=True,
    )
    in_review.refresh_from_db()
    assert in_review.state == State.CHANGES_REQUESTED
    assert in_review.review_comment == "请补充板书设计。"
    assert _messages(response)[0][0] == messages.SUCCESS


def test_request_changes_without_comment_is_explained(reviewer, in_review):
    client = _client(reviewer)
    token = _token(client.get("/review/"))
    response = client.post(
        _act_url(in_review, "request_changes"),
        {"csrfmiddlewaretoken": token, "comment": " "},
        follow=True,
    )
    assert Resource.objects.get(pk=in_review.pk).state == State.IN_REVIEW
    # the error is shown next to the item it concerns, not at the top of the page
    assert _messages(response) == []
    [item] = response.context["items"]
    assert "comment" in item["error"]
    page = response.content.decode()
    assert page.index(f'id="item-catalog.resource-{in_review.pk}"') < page.index(item["error"])


def test_decided_by_someone_else_through_the_page(reviewer, bureau_admin, in_review):
    client = _client(reviewer)
    token = _token(client.get("/review/"))
    from edu_portal.workflow import transitions

    transitions.approve(bureau_admin, in_review)
    response = client.post(
        _act_url(in_review, "request_changes"),
        {"csrfmiddlewaretoken": token, "comment": "退回", "state": "in_review"},
        follow=True,
    )
    # no longer in the queue: its error is listed above it, once
    assert response.context["items"] == []
    [text] = response.context["stray_errors"]
    assert "Someone else has already decided" in text
    assert ReviewEvent.objects.count() == 1


def test_post_without_csrf_token_is_rejected(reviewer, in_review):
    response = _client(reviewer).post(_act_url(in_review, "approve"), {})
    assert response.status_code == 403
    assert Resource.objects.get(pk=in_review.pk).state == State.IN_REVIEW


def test_get_is_not_allowed(reviewer, in_review):
    response = _client(reviewer).get(_act_url(in_review, "approve"))
    assert response.status_code == 405


def test_refusal_through_the_page(other_school_reviewer, in_review):
    """Another school's reviewer may see the queue but not decide on this school's."""
    client = _client(other_school_reviewer)
    token = _token(client.get("/review/"))
    response = client.post(
        _act_url(in_review, "approve"), {"csrfmiddlewaretoken": token}, follow=True
    )
    # it cannot even see the school's item in review: not found, nothing changed
    assert response.status_code == 404
    assert Resource.objects.get(pk=in_review.pk).state == State.IN_REVIEW


def test_visible_but_refused_shows_who_may(review_only, in_review):
    client = _client(review_only)
    token = _token(client.get("/review/"))
    response = client.post(
        _act_url(in_review, "approve"), {"csrfmiddlewaretoken": token}, follow=True
    )
    [item] = response.context["items"]
    assert item["error"].startswith("Only reviewers with the right to publish")
    assert Resource.objects.get(pk=in_review.pk).state == State.IN_REVIEW
    # shown once: a reload no longer carries it
    assert client.get("/review/").context["items"][0]["error"] == ""


@pytest.mark.parametrize(
    "path",
    [
        "/review/catalog.resource/999999/approve/",
        "/review/catalog.resource/abc/approve/",
        "/review/accounts.user/1/approve/",
        "/review/catalog.resource/{pk}/delete/",
    ],
)
def test_unknown_targets_are_not_found(reviewer, in_review, path):
    client = _client(reviewer)
    token = _token(client.get("/review/"))
    response = client.post(path.format(pk=in_review.pk), {"csrfmiddlewaretoken": token})
    assert response.status_code == 404


def test_next_must_stay_on_this_site(reviewer, in_review):
    client = _client(reviewer)
    token = _token(client.get("/review/"))
    response = client.post(
        _act_url(in_review, "approve"),
        {"csrfmiddlewaretoken": token, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/review/"


# --- my submissions --------------------------------------------------------------------------


def test_my_submissions(teacher, reviewer, make_resource):
    draft = make_resource(title="我的草稿")
    sent_back = make_resource(
        state=State.CHANGES_REQUESTED, title="被退回的课件", review_comment="请补充教学目标"
    )
    make_resource(state=State.PUBLISHED, title="已发布的课件")
    make_resource(state=State.DRAFT, title="别人的草稿", uploader=reviewer)

    client = _client(teacher)
    response = client.get("/review/mine/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "我的草稿" in page and "被退回的课件" in page
    assert "请补充教学目标" in page
    assert "已发布的课件" not in page and "别人的草稿" not in page
    assert _act_url(draft, "submit") in page
    assert _act_url(sent_back, "submit") in page
    assert _act_url(sent_back, "reopen") in page

    response = client.post(
        _act_url(sent_back, "submit"),
        {"csrfmiddlewaretoken": _token(response), "next": "/review/mine/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/review/mine/"
    assert Resource.objects.get(pk=sent_back.pk).state == State.IN_REVIEW
    assert _messages(response)[0][0] == messages.SUCCESS


def test_queue_page_has_no_inline_script(reviewer, in_review):
    page = _client(reviewer).get("/review/").content.decode()
    assert "<script>" not in page and "onclick" not in page
