"""The pages: lists, issue, article, submission form (CSRF, multipart), my articles,
notifications, editor tools; no inline scripts."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ebooks.periodicals import actions
from ebooks.periodicals.models import Article, Issue
from edu_portal.notifications.models import Notification
from edu_portal.workflow.models import State

pytestmark = pytest.mark.django_db


def _client(user=None, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def _token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def _no_inline_script(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " onclick=" not in html


def test_index_lists_periodicals(journal, weekly):
    response = _client().get("/periodicals/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("教育研究") < html.index("教育周刊")
    assert 'href="/periodicals/jiaoyu-yanjiu/"' in html
    _no_inline_script(html)


def test_past_issues_newest_first_with_covers(journal, editor, accepted, committed):
    import datetime

    from catalog.blobs import blob_from_file

    issues = []
    for number in (1, 2):
        issue = actions.create_issue(
            editor, journal, volume=2026, number=number, date=datetime.date(2026, number, 1)
        )
        issues.append(issue)
    actions.assign_to_issue(editor, accepted, issues[0])
    actions.publish_issue(editor, issues[0])
    draft = actions.submit_article(accepted.author, journal, title="第二篇", body="<p>b</p>")
    actions.accept(editor, draft)
    actions.assign_to_issue(editor, draft, issues[1])
    actions.publish_issue(editor, issues[1])
    import pathlib
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".png") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
        handle.flush()
        Issue.objects.filter(pk=issues[1].pk).update(
            cover=blob_from_file(pathlib.Path(handle.name), content_type="image/png")
        )
    html = _client().get("/periodicals/jiaoyu-yanjiu/").content.decode()
    assert html.index("2026-2") < html.index("2026-1")
    assert 'src="/periodicals/jiaoyu-yanjiu/2026-2/cover"' in html
    cover = _client().get("/periodicals/jiaoyu-yanjiu/2026-2/cover")
    assert cover.status_code == 200
    assert b"".join(cover.streaming_content if cover.streaming else [cover.content]).startswith(
        b"\x89PNG"
    )


def test_issue_page_links_the_full_text(journal, editor, draft_issue, accepted):
    from catalog.models import Resource

    resource = Resource.objects.create(
        title="教育研究 2026-6", kind="ebook", uploader=editor, org_unit=editor.org_unit
    )
    Issue.objects.filter(pk=draft_issue.pk).update(resource=resource)
    actions.assign_to_issue(editor, accepted, draft_issue)
    draft_issue.refresh_from_db()
    actions.publish_issue(editor, draft_issue)
    html = _client().get("/periodicals/jiaoyu-yanjiu/2026-6/").content.decode()
    assert f'href="/read/{resource.pk}/"' in html
    assert accepted.title in html
    _no_inline_script(html)


def test_submit_through_the_form(author, journal):
    client = _client(author, csrf=True)
    page = client.get("/periodicals/jiaoyu-yanjiu/submit/")
    assert page.status_code == 200
    _no_inline_script(page.content.decode())
    attachment = SimpleUploadedFile("稿件.txt", "正文".encode(), content_type="text/plain")
    response = client.post(
        "/periodicals/jiaoyu-yanjiu/submit/",
        {
            "csrfmiddlewaretoken": _token(page),
            "title": "低年级识字教学",
            "abstract": "摘要",
            "body": "<p>正文</p><script>alert(1)</script>",
            "attachment": attachment,
        },
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.state == State.IN_REVIEW
    assert "<script" not in article.body
    assert article.attachment_name == "稿件.txt"
    html = client.get("/periodicals/mine/").content.decode()
    assert "低年级识字教学" in html


def test_submit_without_csrf_token_is_refused(author, journal):
    response = _client(author, csrf=True).post(
        "/periodicals/jiaoyu-yanjiu/submit/", {"title": "t", "body": "b"}
    )
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_bad_attachment_is_explained_on_the_form(author, journal):
    response = _client(author).post(
        "/periodicals/jiaoyu-yanjiu/submit/",
        {
            "title": "t",
            "body": "<p>b</p>",
            "attachment": SimpleUploadedFile("稿件.pdf", b"not a pdf at all"),
        },
    )
    assert response.status_code == 200
    assert "not really a PDF" in response.content.decode()
    assert not Article.objects.exists()


def test_submit_requires_sign_in(journal):
    response = _client().get("/periodicals/jiaoyu-yanjiu/submit/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_mine_shows_state_and_comment(submitted, author, editor, committed):
    from edu_portal.workflow import transitions

    committed(transitions.request_changes, editor, submitted, "请补充课堂实例。")
    html = _client(author).get("/periodicals/mine/").content.decode()
    assert "Changes requested" in html
    assert "请补充课堂实例。" in html
    page = _client(author).get(f"/periodicals/articles/{submitted.pk}/").content.decode()
    assert f'href="/periodicals/articles/{submitted.pk}/edit/"' in page


def test_revise_and_resubmit_through_the_form(submitted, author, editor, committed):
    from edu_portal.workflow import transitions

    committed(transitions.request_changes, editor, submitted, "请补充课堂实例。")
    client = _client(author)
    form = client.get(f"/periodicals/articles/{submitted.pk}/edit/")
    assert form.status_code == 200
    assert "请补充课堂实例。" in form.content.decode()
    response = client.post(
        f"/periodicals/articles/{submitted.pk}/edit/",
        {"title": submitted.title, "body": "<p>补充了课堂实例</p>"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.IN_REVIEW
    assert "补充了课堂实例" in submitted.body


def test_others_cannot_edit(submitted, other_teacher, editor):
    assert (
        _client(other_teacher).get(f"/periodicals/articles/{submitted.pk}/edit/").status_code == 404
    )
    # In review: not editable even by its author until it is sent back.
    assert (
        _client(submitted.author).get(f"/periodicals/articles/{submitted.pk}/edit/").status_code
        == 403
    )


def test_old_notifications_page_moved_to_the_centre(submitted, author):
    client = _client(author)
    response = client.get("/periodicals/notifications/")
    assert response.status_code == 301 and response["Location"] == "/notifications/"
    html = client.get("/notifications/").content.decode()
    assert "We received your article" in html
    assert 'href="/notifications/"' in client.get("/periodicals/").content.decode()


def test_attachment_only_for_author_and_editors(author, journal, editor, other_teacher):
    article = actions.submit_article(
        author,
        journal,
        title="t",
        body="<p>b</p>",
        attachment=SimpleUploadedFile("稿件.txt", "原稿".encode()),
    )
    url = f"/periodicals/articles/{article.pk}/attachment"
    assert _client(author).get(url).status_code == 200
    assert _client(editor).get(url).status_code == 200
    assert _client(other_teacher).get(url).status_code == 404


def test_editor_tools(editor, journal, accepted, committed):
    client = _client(editor)
    assert client.get("/periodicals/jiaoyu-yanjiu/issues/new/").status_code == 200
    response = client.post(
        "/periodicals/jiaoyu-yanjiu/issues/new/",
        {"volume": 2026, "number": 6, "date": "2026-11-20", "title": "2026年第6期"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/periodicals/jiaoyu-yanjiu/2026-6/edit/"
    duplicate = client.post(
        "/periodicals/jiaoyu-yanjiu/issues/new/",
        {"volume": 2026, "number": 6, "date": "2026-11-20"},
    )
    assert duplicate.status_code == 200
    assert "already has an issue" in duplicate.content.decode()

    edit = client.get("/periodicals/jiaoyu-yanjiu/2026-6/edit/")
    html = edit.content.decode()
    assert accepted.title in html
    _no_inline_script(html)
    client.post(
        "/periodicals/jiaoyu-yanjiu/2026-6/edit/",
        {"step": "assign", "article": accepted.pk, "order": 1},
    )
    accepted.refresh_from_db()
    assert accepted.issue.key == "2026-6"
    # An editor previews the issue before it is published; readers do not see it.
    assert client.get("/periodicals/jiaoyu-yanjiu/2026-6/").status_code == 200
    assert _client().get("/periodicals/jiaoyu-yanjiu/2026-6/").status_code == 404
    committed(client.post, "/periodicals/jiaoyu-yanjiu/2026-6/edit/", {"step": "publish"})
    assert Issue.objects.get().is_published
    assert Notification.objects.filter(
        recipient=accepted.author, subject__contains="appeared in"
    ).exists()
    assert _client().get("/periodicals/jiaoyu-yanjiu/2026-6/").status_code == 200


def test_editor_page_reports_refusals(editor, draft_issue):
    client = _client(editor)
    response = client.post(
        "/periodicals/jiaoyu-yanjiu/2026-6/edit/", {"step": "publish"}, follow=True
    )
    assert "at least one accepted article" in response.content.decode()
    assert not Issue.objects.get().is_published


def test_unknown_pages(journal):
    assert _client().get("/periodicals/nope/").status_code == 404
    assert _client().get("/periodicals/jiaoyu-yanjiu/2026-99/").status_code == 404
    assert _client().get("/periodicals/articles/999/").status_code == 404


def test_refusals_say_why_on_the_page(journal, student, author, submitted, committed):
    """A student cannot submit, an author cannot open the editors' tools: both pages say
    why and what to do, not just "permission denied"."""
    page = _client(student).get(f"/periodicals/{journal.slug}/submit/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Your account may not submit articles." in html
    assert "Articles are submitted by teachers and staff." in html

    tools = _client(author).get(f"/periodicals/{journal.slug}/issues/new/")
    assert tools.status_code == 403
    assert "Only the editors of this periodical may do this." in tools.content.decode()
