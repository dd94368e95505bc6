"""What goes into an article and an issue: cleaned rich text, attachments checked by
content and size, the full issue as a catalog e-book."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Resource
from ebooks.periodicals import actions
from edu_portal.workflow.models import ReviewEvent, State

pytestmark = pytest.mark.django_db


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_rich_text_is_cleaned(author, journal):
    article = actions.submit_article(
        author,
        journal,
        title="标题",
        body=(
            '<p onclick="steal()">正文<script>alert(1)</script></p>'
            '<a href="javascript:alert(1)">坏链接</a><a href="https://example.cn/">好链接</a>'
            '<img src="https://evil.example/x.png"><style>p{}</style><h2>小标题</h2>'
        ),
    )
    assert "<script" not in article.body and "alert(1)" not in article.body
    assert "onclick" not in article.body and "javascript:" not in article.body
    assert "<img" not in article.body and "<style" not in article.body
    assert "<h2>小标题</h2>" in article.body
    assert 'href="https://example.cn/"' in article.body
    assert 'rel="noopener noreferrer nofollow"' in article.body


def test_body_that_is_only_markup_is_refused(author, journal):
    with pytest.raises(ValidationError) as error:
        actions.submit_article(author, journal, title="标题", body="<script>x</script>")
    assert "body" in error.value.error_dict


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("稿件.docx", None),
        ("稿件.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
        ("稿件.txt", "分层作业的实践。".encode()),
    ],
)
def test_good_attachments_are_stored(author, journal, name, content):
    upload = SimpleUploadedFile(name, content if content is not None else _docx())
    article = actions.submit_article(author, journal, title="t", body="<p>b</p>", attachment=upload)
    assert article.attachment is not None
    assert article.attachment_name == name
    assert article.attachment.size == upload.size


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("稿件.docx", b"%PDF-1.7 not a zip", "file_content"),
        ("稿件.pdf", b"MZ\x90\x00 a Windows program", "file_content"),
        ("稿件.txt", b"\x00\x01\x02binary", "file_content"),
        ("稿件.exe", b"MZ\x90\x00", "file_type"),
        ("稿件.html", b"<script>alert(1)</script>", "file_type"),
        ("稿件", b"no extension", "file_type"),
    ],
)
def test_bad_attachments_are_refused(author, journal, name, content, code):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError) as error:
        actions.submit_article(author, journal, title="t", body="<p>b</p>", attachment=upload)
    [problem] = error.value.error_dict["attachment"]
    assert problem.code == code
    assert not author.periodical_articles.exists()


def test_oversized_attachment_is_refused(author, journal, monkeypatch):
    monkeypatch.setattr(actions, "MAX_ATTACHMENT", 10)
    upload = SimpleUploadedFile("稿件.txt", "超过十个字节的文本内容".encode())
    with pytest.raises(ValidationError) as error:
        actions.submit_article(author, journal, title="t", body="<p>b</p>", attachment=upload)
    assert error.value.error_dict["attachment"][0].code == "file_size"


def test_full_issue_file_becomes_a_catalog_ebook(tmp_path, accepted, draft_issue, editor, indexed):
    from tests.ebooks.conftest import make_epub3

    path = make_epub3(tmp_path / "issue.epub")
    actions.attach_issue_file(editor, draft_issue, path)
    draft_issue.refresh_from_db()
    resource = draft_issue.resource
    assert resource.kind == Resource.Kind.EBOOK
    assert resource.state == State.DRAFT  # not public before the issue
    assert resource.title == str(draft_issue)
    assert draft_issue.cover_id is not None  # taken from the book
    assert resource.ebook.toc

    actions.assign_to_issue(editor, accepted, draft_issue)
    actions.publish_issue(editor, draft_issue)
    resource.refresh_from_db()
    assert resource.state == State.PUBLISHED and resource.published_at is not None
    assert ReviewEvent.objects.filter(object_id=str(resource.pk), action="approve").exists()
    assert resource.pk in indexed


def test_issue_file_must_be_pdf_or_epub(tmp_path, draft_issue, editor):
    path = tmp_path / "issue.pdf"
    path.write_bytes(b"PK\x03\x04 a zip named .pdf")
    with pytest.raises(ValidationError) as error:
        actions.attach_issue_file(editor, draft_issue, path)
    assert error.value.error_dict["file"][0].code == "file_content"
    with pytest.raises(ValidationError):
        actions.attach_issue_file(editor, draft_issue, path, "issue.docx")


def test_issue_with_only_a_full_file_can_be_published(tmp_path, draft_issue, editor):
    from tests.ebooks.conftest import make_epub3

    actions.attach_issue_file(editor, draft_issue, make_epub3(tmp_path / "issue.epub"))
    actions.publish_issue(editor, draft_issue)
    assert draft_issue.is_published
