"""The periodical workflow from submission to a published issue, with the author told at
each step (the notification centre's rows, and e-mail for an author who chose it)."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from ebooks.periodicals import actions
from ebooks.periodicals.models import Article, Issue
from edu_portal.notifications import actions as notification_actions
from edu_portal.notifications.models import Notification
from edu_portal.workflow import transitions
from edu_portal.workflow.models import ReviewEvent, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_by_task(author):
    """The author chose e-mail; its Celery task runs in the test's process."""
    from edu_portal.celery import app

    notification_actions.set_email_preference(author, True)
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def _subjects(user) -> list[str]:
    notes = Notification.objects.filter(recipient=user, category="periodical")
    return list(notes.order_by("pk").values_list("subject", flat=True))


def test_submission_to_published_issue(author, editor, journal, committed, other_teacher):
    # 1. The teacher submits; the article is in review and she is told it was received.
    article = committed(
        actions.submit_article,
        author,
        journal,
        title="小学数学分层作业的实践",
        abstract="分层作业的设计与评价。",
        body="<p>一、问题的提出</p>",
    )
    assert article.state == State.IN_REVIEW
    assert _subjects(author) == ["We received your article “小学数学分层作业的实践”"]
    assert mail.outbox[-1].to == ["li@example.cn"]
    assert "小学数学分层作业的实践" in mail.outbox[-1].subject

    # 2. The editor asks for revisions with a comment; the author reads it.
    committed(transitions.request_changes, editor, article, "请补充课堂实例。")
    article.refresh_from_db()
    assert article.state == State.CHANGES_REQUESTED
    assert article.review_comment == "请补充课堂实例。"
    assert _subjects(author)[-1] == "Please revise your article “小学数学分层作业的实践”"
    assert "请补充课堂实例。" in Notification.objects.filter(recipient=author).first().body
    assert "请补充课堂实例。" in mail.outbox[-1].body

    # 3. She revises and resubmits.
    committed(
        actions.revise_article,
        author,
        article,
        title="小学数学分层作业的实践与反思",
        abstract="分层作业的设计与评价。",
        body="<p>一、问题的提出</p><p>二、课堂实例</p>",
    )
    article.refresh_from_db()
    assert article.state == State.IN_REVIEW
    assert "课堂实例" in article.body
    assert article.review_comment == ""

    # 4. The editor accepts: accepted, but not public yet.
    committed(actions.accept, editor, article)
    article.refresh_from_db()
    assert article.is_accepted and not article.is_public
    assert _subjects(author)[-1] == "Your article “小学数学分层作业的实践与反思” was accepted"
    anonymous = Client()
    assert anonymous.get(f"/periodicals/articles/{article.pk}/").status_code == 404

    # 5. The editor makes an issue, places the article in it and publishes it.
    issue = actions.create_issue(
        editor,
        journal,
        volume=2026,
        number=6,
        date=datetime.date(2026, 11, 20),
        title="2026年第6期",
    )
    actions.assign_to_issue(editor, article, issue, order=1)
    assert anonymous.get(f"/periodicals/articles/{article.pk}/").status_code == 404
    assert anonymous.get("/periodicals/jiaoyu-yanjiu/2026-6/").status_code == 404
    committed(actions.publish_issue, editor, issue)
    issue.refresh_from_db()
    assert issue.state == Issue.State.PUBLISHED and issue.published_at is not None
    assert _subjects(author)[-1] == (
        "Your article “小学数学分层作业的实践与反思” appeared in 教育研究 2026年第6期"
    )
    assert mail.outbox[-1].to == ["li@example.cn"]
    assert len(mail.outbox) == 5  # received, revise, (resubmitted) received, accepted, appeared

    # 6. Readers find it among the past issues and read it.
    listing = anonymous.get("/periodicals/jiaoyu-yanjiu/").content.decode()
    assert "2026年第6期" in listing
    page = anonymous.get("/periodicals/jiaoyu-yanjiu/2026-6/").content.decode()
    assert f'href="/periodicals/articles/{article.pk}/"' in page
    reading = anonymous.get(f"/periodicals/articles/{article.pk}/")
    assert reading.status_code == 200
    assert "二、课堂实例" in reading.content.decode()

    # Every step is on record.
    actions_seen = list(
        ReviewEvent.objects.order_by("created_at", "pk").values_list("action", flat=True)
    )
    assert actions_seen == ["submit", "request_changes", "submit", "approve"]
    assert LogEntry.objects.get_for_object(issue).count() >= 2  # created, published
    assert LogEntry.objects.get_for_object(article).count() >= 5


def test_decline(submitted, editor, author, committed):
    committed(actions.decline, editor, submitted, "与本刊方向不符。")
    submitted.refresh_from_db()
    assert submitted.state == State.DECLINED
    assert submitted.review_comment == "与本刊方向不符。"
    note = Notification.objects.filter(recipient=author).first()
    assert note.subject == "Your article “小学数学分层作业的实践” was declined"
    assert "与本刊方向不符。" in note.body
    assert "与本刊方向不符。" in mail.outbox[-1].body
    # Final: nothing moves it any more, not even its author.
    assert transitions.available_actions(author, submitted) == []
    assert transitions.available_actions(editor, submitted) == []
    with pytest.raises(ValidationError):
        transitions.submit(author, submitted)
    with pytest.raises(ValidationError):
        actions.revise_article(author, submitted, title="再投", body="<p>x</p>")


def test_decline_needs_a_reason(submitted, editor):
    with pytest.raises(ValidationError) as error:
        actions.decline(editor, submitted, "  ")
    assert error.value.code == "comment_required"
    assert Article.objects.get(pk=submitted.pk).state == State.IN_REVIEW


def test_authors_without_email_still_get_the_notification(other_teacher, journal, committed):
    committed(actions.submit_article, other_teacher, journal, title="作文教学", body="<p>正文</p>")
    note = Notification.objects.get(recipient=other_teacher)
    assert note.target == Article.objects.get(title="作文教学")
    assert mail.outbox == []


def test_authors_who_did_not_choose_email_are_not_mailed(author, journal, committed):
    notification_actions.set_email_preference(author, False)
    committed(actions.submit_article, author, journal, title="作文教学", body="<p>正文</p>")
    assert _subjects(author) == ["We received your article “作文教学”"]
    assert mail.outbox == []


def test_publishing_needs_content(draft_issue, editor):
    with pytest.raises(ValidationError) as error:
        actions.publish_issue(editor, draft_issue)
    assert error.value.code == "empty_issue"


def test_publishing_twice_is_refused(accepted, draft_issue, editor):
    actions.assign_to_issue(editor, accepted, draft_issue)
    actions.publish_issue(editor, draft_issue)
    with pytest.raises(ValidationError):
        actions.publish_issue(editor, draft_issue)


def test_only_accepted_articles_are_assigned(submitted, draft_issue, editor, weekly, accepted):
    pending = actions.submit_article(submitted.author, submitted.periodical, title="t", body="b")
    with pytest.raises(ValidationError) as error:
        actions.assign_to_issue(editor, pending, draft_issue)
    assert error.value.code == "not_accepted"
    other_issue = actions.create_issue(
        editor, weekly, volume=2026, number=40, date=datetime.date(2026, 11, 23)
    )
    with pytest.raises(ValidationError) as error:
        actions.assign_to_issue(editor, accepted, other_issue)
    assert error.value.code == "wrong_periodical"


def test_articles_follow_their_order_in_the_issue(author, editor, journal, draft_issue):
    first, second = (
        actions.submit_article(author, journal, title=title, body="<p>正文</p>")
        for title in ("甲", "乙")
    )
    for article in (first, second):
        actions.accept(editor, article)
    actions.assign_to_issue(editor, first, draft_issue, order=2)
    actions.assign_to_issue(editor, second, draft_issue, order=1)
    assert [a.title for a in draft_issue.toc()] == ["乙", "甲"]


def test_withdrawn_article_leaves_the_issue_contents(accepted, draft_issue, editor):
    actions.assign_to_issue(editor, accepted, draft_issue)
    transitions.withdraw(editor, accepted, "作者要求撤稿。")
    assert draft_issue.toc() == []
