"""Downloads and previews of portal documents: public only when a live, public page holds
them; otherwise only to people who can work on them in the CMS."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from edu_portal.cms import articles
from edu_portal.cms.models import ArticlePage

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def article(column, store):
    return articles.create_article(
        None,
        column,
        title="招生通知",
        body_html="<p>x</p>",
        attachments=[articles.Upload("附件一 名单.pdf", io.BytesIO(PDF))],
    )


def document_of(page):
    return ArticlePage.objects.get(pk=page.pk).attachments.get().document


def test_the_attachment_is_in_the_object_store_with_its_name(article, store):
    document = document_of(article)
    assert document.filename == "附件一_名单.pdf" or document.filename.startswith("附件一")
    from django.core.files.storage import default_storage

    assert store.stat(default_storage.key_for(document.file.name)).size == len(PDF)


def test_a_draft_pages_document_is_hidden_from_the_public(client, article):
    document = document_of(article)
    assert client.get(document.url).status_code == 404
    preview = reverse("cms:document-preview", args=[document.pk])
    assert client.get(preview).status_code == 404
    assert client.get(reverse("cms:document-preview-pdf", args=[document.pk])).status_code == 404


def test_a_signed_in_stranger_is_told_why(client, article, django_user_model):
    document = document_of(article)
    stranger = django_user_model.objects.create_user("t_stranger", password="pw-Strange-1")
    client.force_login(stranger)
    response = client.get(document.url)
    assert response.status_code == 403
    assert "此文档所属的页面尚未发布" in response.content.decode()


def test_the_editor_of_the_column_may_download_the_draft_attachment(client, article, editor):
    client.force_login(editor)
    response = client.get(document_of(article).url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_once_published_everyone_may_download_and_preview(client, article):
    article.get_latest_revision().publish()
    document = document_of(article)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    page = client.get(reverse("cms:document-preview", args=[document.pk]))
    assert page.status_code == 200
    assert b"data-pdf-viewer" in page.content
    pdf = client.get(reverse("cms:document-preview-pdf", args=[document.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == PDF


def test_unpublishing_hides_it_again(client, article):
    article.get_latest_revision().publish()
    ArticlePage.objects.get(pk=article.pk).unpublish()
    assert client.get(document_of(article).url).status_code == 404


def test_an_office_file_gets_a_pending_preview_then_the_converted_pdf(
    client, column, store, settings, monkeypatch
):
    from edu_portal.cms import preview_tasks
    from edu_portal.cms.models.articles import DocumentPreview

    page = articles.create_article(
        None,
        column,
        title="表格",
        body_html="<p>x</p>",
        attachments=[articles.Upload("名单.docx", io.BytesIO(b"PK\x03\x04 not really"))],
    )
    page.get_latest_revision().publish()
    document = document_of(page)
    queued = []
    monkeypatch.setattr("edu_portal.cms.preview_tasks.build_document_preview.delay", queued.append)
    url = reverse("cms:document-preview", args=[document.pk])
    with pytest.MonkeyPatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        response = client.get(url)
    assert response.status_code == 200
    assert b'data-preview-state="pending"' in response.content
    assert queued == [document.pk]

    # The task converts with the catalog's LibreOffice conversion (stubbed: no soffice run).
    def fake_convert(source, ext, outdir):
        target = outdir / "document.pdf"
        target.write_bytes(PDF)
        return target

    monkeypatch.setattr("catalog.previews.convert.convert_to_pdf", fake_convert)
    assert preview_tasks.build_preview(document.pk) == "ready"
    assert DocumentPreview.objects.get(document=document).key.startswith("cms/previews/")
    response = client.get(url)
    assert b"data-pdf-viewer" in response.content
    pdf = client.get(reverse("cms:document-preview-pdf", args=[document.pk]))
    assert b"".join(pdf.streaming_content) == PDF
