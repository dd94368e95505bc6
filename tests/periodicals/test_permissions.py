"""Who may see and decide what: authors, other teachers, editors of the periodical's unit
and editors elsewhere; articles stay private until their issue is published."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from ebooks.periodicals import actions
from ebooks.periodicals.models import Article, Issue
from edu_portal.workflow import registry, transitions
from edu_portal.workflow.models import State

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_other_teacher_cannot_see_a_draft(submitted, other_teacher, author, editor, student):
    url = f"/periodicals/articles/{submitted.pk}/"
    assert _client(other_teacher).get(url).status_code == 404
    assert _client(student).get(url).status_code == 404
    assert _client().get(url).status_code == 404
    assert _client(author).get(url).status_code == 200
    assert _client(editor).get(url).status_code == 200


@pytest.mark.parametrize("who", ["author", "other_teacher", "other_editor", "student"])
def test_only_editors_of_the_unit_decide(request, submitted, who):
    actor = request.getfixturevalue(who)
    assert transitions.available_actions(actor, submitted) in ([], ["withdraw"])
    for step in (transitions.approve, transitions.decline, transitions.request_changes):
        with pytest.raises(PermissionDenied):
            step(actor, submitted, "意见")
    assert Article.objects.get(pk=submitted.pk).state == State.IN_REVIEW


def test_editor_of_the_unit_may_decide(submitted, editor):
    assert set(transitions.available_actions(editor, submitted)) == {
        "approve",
        "request_changes",
        "decline",
        "withdraw",
    }


def test_review_queue_scope(submitted, editor, other_editor):
    policy = registry.policy_for(Article)
    assert list(policy.review_queryset(editor)) == [submitted]
    assert list(policy.review_queryset(other_editor)) == []
    page = _client(editor).get("/review/").content.decode()
    assert f"/periodicals/articles/{submitted.pk}/" in page
    assert f"/review/periodicals.article/{submitted.pk}/decline/" in page
    assert (
        f"/periodicals/articles/{submitted.pk}/"
        not in _client(other_editor).get("/review/").content.decode()
    )


def test_decline_through_the_queue(submitted, editor, committed):
    client = _client(editor)
    client.get("/review/")
    response = client.post(
        f"/review/periodicals.article/{submitted.pk}/decline/",
        {"comment": "与本刊方向不符。", "state": "in_review"},
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=submitted.pk).state == State.DECLINED


def test_teacher_cannot_do_editor_work(author, other_editor, journal, accepted, draft_issue):
    for user in (author, other_editor):
        with pytest.raises(PermissionDenied):
            actions.create_issue(user, journal, volume=2026, number=7, date=datetime.date.today())
        with pytest.raises(PermissionDenied):
            actions.assign_to_issue(user, accepted, draft_issue)
        with pytest.raises(PermissionDenied):
            actions.publish_issue(user, draft_issue)
        assert _client(user).get("/periodicals/jiaoyu-yanjiu/issues/new/").status_code == 403
        assert _client(user).get("/periodicals/jiaoyu-yanjiu/2026-6/edit/").status_code == 404


def test_students_cannot_submit(student, journal):
    with pytest.raises(PermissionDenied):
        actions.submit_article(student, journal, title="t", body="<p>b</p>")
    assert _client(student).get("/periodicals/jiaoyu-yanjiu/submit/").status_code == 403


def test_nobody_decides_on_their_own_article(editor, journal, department):
    from edu_portal.accounts import actions as account_actions
    from edu_portal.accounts.models import User
    from edu_portal.accounts.roles import Role

    account_actions.assign_role(account_actions.SYSTEM, editor, Role.DEPARTMENT_EDITOR, department)
    editor = User.objects.get(pk=editor.pk)  # an editor who also writes
    own = actions.submit_article(editor, journal, title="编辑自己的稿", body="<p>b</p>")
    with pytest.raises(PermissionDenied):
        transitions.approve(editor, own)
    assert transitions.available_actions(editor, own) == ["withdraw"]


def test_articles_are_private_until_their_issue_is_published(
    accepted, draft_issue, editor, other_teacher
):
    assert not registry.policy_for(Article).may_view(other_teacher, accepted)
    actions.assign_to_issue(editor, accepted, draft_issue)
    accepted.refresh_from_db()
    assert not accepted.is_public
    assert _client(other_teacher).get(f"/periodicals/articles/{accepted.pk}/").status_code == 404
    assert "2026-6" not in _client().get("/periodicals/jiaoyu-yanjiu/").content.decode()
    actions.publish_issue(editor, draft_issue)
    accepted.refresh_from_db()
    assert accepted.is_public
    assert _client(other_teacher).get(f"/periodicals/articles/{accepted.pk}/").status_code == 200


def test_issue_numbers_are_unique(draft_issue, editor, journal, weekly):
    with pytest.raises(ValidationError) as error:
        actions.create_issue(editor, journal, volume=2026, number=6, date=datetime.date.today())
    assert "number" in error.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(periodical=journal, volume=2026, number=6, date=datetime.date.today())
    # The same number in another periodical is fine.
    actions.create_issue(editor, weekly, volume=2026, number=6, date=datetime.date.today())


def test_published_issue_is_closed(accepted, draft_issue, editor, author, journal):
    actions.assign_to_issue(editor, accepted, draft_issue)
    actions.publish_issue(editor, draft_issue)
    late = actions.submit_article(author, journal, title="迟到的稿件", body="<p>b</p>")
    actions.accept(editor, late)
    with pytest.raises(ValidationError):
        actions.assign_to_issue(editor, late, draft_issue)
    with pytest.raises(ValidationError):
        actions.assign_to_issue(editor, accepted, None)
