"""A Word document becomes a draft article through the Wagtail admin view."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edu_portal.cms.models import ArticlePage

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("关于开展2026年教师资格认定的通知", level=1)
    paragraph = document.add_paragraph("各学校：")
    paragraph.runs[0].bold = True
    document.add_paragraph("请按时报名。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = DOCX_TYPE) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def url(page) -> str:
    return reverse("cms_docx_import", args=[page.pk])


def test_the_editor_creates_a_draft_with_the_docx_and_more_attachments(
    client, editor, column, store
):
    client.force_login(editor)
    assert client.get(url(column)).status_code == 200
    response = client.post(
        url(column),
        {
            "docx": upload("通知.docx", make_docx()),
            "attachments": [upload("名单.xlsx", b"PK\x03\x04x", "application/octet-stream")],
        },
    )
    page = ArticlePage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert page.title == "关于开展2026年教师资格认定的通知"
    assert not page.live and page.index_number is None
    assert "<b>各学校：</b>" in page.body and "<p>请按时报名。</p>" in page.body
    names = [a.document.filename for a in page.attachments.all()]
    assert names[0].endswith(".docx") and names[1].endswith(".xlsx")
    assert page.get_parent().pk == column.pk and page.owner == editor


def test_a_column_the_user_cannot_write_in_is_refused_with_a_sentence(
    client, editor, other_column, store
):
    client.force_login(editor)
    response = client.get(url(other_column))
    assert response.status_code == 403
    assert "您不能在栏目" in response.content.decode()
    response = client.post(url(other_column), {"docx": upload("a.docx", make_docx())})
    assert response.status_code == 403
    assert not ArticlePage.objects.exists()


def bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"\0" * (120 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "sentence"),
    [
        ("a.pdf", b"%PDF-1.4", "另存为 .docx"),
        ("a.docx", b"just text", "这不是 Word 文档"),
        ("a.docx", b"", "空文件"),
        (
            "a.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
            "密码保护",
        ),
        ("bomb.docx", None, "数据过大"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_created(
    client, editor, column, store, name, data, sentence
):
    client.force_login(editor)
    data = bomb() if data is None else data
    response = client.post(url(column), {"docx": upload(name, data)})
    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert not ArticlePage.objects.exists()
    from wagtail.documents import get_document_model

    assert not get_document_model().objects.exists()
    assert not list(store.list("cms/"))


def test_the_button_is_on_columns_the_user_may_write_in(client, editor, column, store):
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_explore", args=[column.pk]))
    assert url(column) in response.content.decode()
