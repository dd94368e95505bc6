"""The upload page for teachers, and the tus-js-client it loads from node_modules."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.test import Client


def test_signing_in_is_required(db):
    response = Client().get("/upload/")
    assert response.status_code == 302
    assert "/upload/" in response["Location"]


def test_accounts_without_the_upload_permission_are_told_why(student):
    client = Client()
    client.force_login(student)
    response = client.get("/upload/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "not allowed to upload files" in response.content.decode()


def test_the_page_has_picker_progress_pause_resume_and_the_client(teacher):
    client = Client()
    client.force_login(teacher)
    response = client.get("/upload/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    for fragment in (
        'type="file"',
        "<progress",
        'id="upload-pause"',
        'id="upload-resume"',
        'role="alert"',
        'data-endpoint="/api/v1/uploads/"',
        "data-csrf-token=",
        'id="upload-text"',
        "/static/vendor/tus-js-client/tus.min.js",
        "/static/media_pipeline/upload.js",
    ):
        assert fragment in page, fragment
    accept = page.split('accept="', 1)[1].split('"', 1)[0].split(",")
    assert {".mp4", ".mov", ".pdf", ".pptx", ".docx"} <= set(accept)
    assert not {".exe", ".html", ".svg"} & set(accept)


def test_tus_js_client_comes_from_npm_and_is_served():
    found = finders.find("vendor/tus-js-client/tus.min.js")
    assert found and "node_modules/tus-js-client/dist" in found
    for path in ("/static/vendor/tus-js-client/tus.min.js", "/static/media_pipeline/upload.js"):
        response = Client().get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 1000


def test_the_metadata_form_offers_every_kind_taxonomy_pickers_and_review(teacher):
    import json

    client = Client()
    client.force_login(teacher)
    response = client.get("/upload/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    kinds = page.split('id="upload-kind"', 1)[1].split("</select>", 1)[0]
    for kind in ("courseware", "lesson_plan", "exercise", "document", "package", "video", "audio"):
        assert f'value="{kind}"' in kinds, kind
    for picker in ("stage", "grade", "subject", "edition", "book", "unit", "lesson"):
        assert f'id="upload-{picker}"' in page, picker
    for field in ("title", "kind", "visibility", "tags", "textbook_node", "collection", "licence"):
        assert f'id="upload-{field}-error"' in page, field
    assert 'data-taxonomy="/api/v1/taxonomy/"' in page
    assert 'data-nodes="/api/v1/taxonomy/nodes/"' in page
    assert '<option value="local" selected>' in page
    assert 'id="upload-submit" name="submit" checked' in page
    hints = json.loads(
        page.split('id="upload-kind-hints" type="application/json">', 1)[1].split("<")[0]
    )
    assert hints["pptx"] == "courseware" and hints["docx"] == "document"
    assert hints["xlsx"] == "exercise" and hints["pdf"] == "document"
    assert hints["zip"] == "package" and hints["mp4"] == "video" and hints["mp3"] == "audio"
    # No inline scripts (CSP): only the two files and JSON data blocks.
    for script in page.split("<script")[1:]:
        head = script.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head
