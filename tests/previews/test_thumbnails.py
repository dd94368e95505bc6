"""List thumbnails: a PDF's first page made with its preview, the video poster, served
with the resource's own access policy, shown in lists with alt text and a fixed size, the
kind's icon otherwise; ``make_thumbnails`` fills in older resources, once."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from catalog import kinds
from catalog.models import Resource, ResourceFile
from catalog.previews import services
from edu_portal.accounts.roles import Role
from edu_portal.storage import get_storage
from tests.people import make_user
from tests.previews.test_build_preview import resource_with

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en", "REMOTE_ADDR": "10.1.2.3"}


@pytest.fixture(autouse=True)
def _no_index(monkeypatch, intranet_settings):
    monkeypatch.setattr("catalog.search.indexing.schedule_index", lambda pk: None)


@pytest.fixture
def pdf_file(tmp_path):
    """A two-page A4 PDF whose first page is black: its thumbnail is dark, not blank."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = DecodedStreamObject()
    stream.set_data(b"0 0 0 rg 0 0 595 842 re f")
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "勾股定理.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def publish(resource: Resource, **fields) -> Resource:
    Resource.objects.filter(pk=resource.pk).update(
        state="published", published_at=timezone.now(), **fields
    )
    resource.refresh_from_db()
    return resource


def thumbnail_of(resource: Resource) -> ResourceFile:
    return ResourceFile.objects.get(resource=resource, role=ResourceFile.Role.THUMBNAIL)


def test_a_pdf_gets_a_first_page_thumbnail_with_its_preview(teacher, pdf_file):
    resource = resource_with(teacher, pdf_file, "application/pdf")
    assert services.build_preview(resource.pk).state == Resource.Preview.READY

    thumb = thumbnail_of(resource)
    assert thumb.blob.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(get_storage().get_bytes(thumb.blob.key)))
    assert image.format == "JPEG" and image.width == 240
    assert abs(image.height - round(240 * 842 / 595)) <= 1
    assert image.convert("L").getpixel((120, 150)) < 40  # the black first page
    # Again: nothing twice.
    services.build_preview(resource.pk, force=True)
    assert ResourceFile.objects.filter(resource=resource, role="thumbnail").count() == 1


def test_a_damaged_pdf_gets_no_thumbnail(teacher, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really a pdf")
    resource = resource_with(teacher, broken, "application/pdf")
    assert services.build_preview(resource.pk).state == Resource.Preview.FAILED
    assert not ResourceFile.objects.filter(resource=resource, role="thumbnail").exists()
    assert kinds.thumbnail_url(resource) is None


def test_the_thumbnail_is_served_with_the_resources_access_policy(
    client, teacher, school, pdf_file
):
    resource = resource_with(teacher, pdf_file, "application/pdf")
    services.build_preview(resource.pk)
    resource.refresh_from_db()
    url = kinds.thumbnail_url(resource)
    assert url.startswith(f"/resources/{resource.pk}/thumbnail?v=")

    # A draft: its uploader sees it, another teacher gets "not found".
    client.force_login(teacher)
    response = client.get(url, **EN)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    client.force_login(make_user("teacher_zhao", Role.TEACHER, school))
    assert client.get(url, **EN).status_code == 404

    # Published for the intranet: from outside it is refused like the resource itself.
    publish(resource, visibility="intranet")
    client.logout()
    assert client.get(url, **EN).status_code == 200
    outside = {**EN, "REMOTE_ADDR": "8.8.8.8"}
    assert client.get(url, **outside).status_code == 403
    # Deleted: gone.
    Resource.objects.filter(pk=resource.pk).update(deleted_at=timezone.now())
    assert client.get(url, **EN).status_code == 404
    # CSRF-less writes are not a thing here: only GET and HEAD.
    publish(resource, deleted_at=None)
    assert client.post(url, **EN).status_code == 405


def test_lists_show_the_thumbnail_or_the_kinds_icon(client, teacher, pdf_file):
    with_pdf = publish(resource_with(teacher, pdf_file, "application/pdf"), visibility="public")
    services.build_preview(with_pdf.pk)
    without = Resource.objects.create(
        title="没有预览的练习", kind="exercise", uploader=teacher, org_unit=teacher.org_unit
    )
    publish(without, visibility="public")

    html = client.get("/", **EN).content.decode()
    images = re.findall(r'<img class="resource-thumb"[^>]*>', html)
    assert len(images) == 1, images
    (image,) = images
    assert f'src="/resources/{with_pdf.pk}/thumbnail?v=' in image
    assert 'width="96" height="72"' in image and 'loading="lazy"' in image
    assert 'alt="Thumbnail of “勾股定理”"' in image
    icon = re.search(r'<span class="resource-thumb resource-thumb-icon kind-exercise"[^>]*>', html)
    assert icon, "the resource without a thumbnail shows its kind's icon"


def test_video_lists_use_the_poster(client, teacher):
    video = Resource.objects.create(
        title="分数的认识",
        kind="video",
        uploader=teacher,
        org_unit=teacher.org_unit,
        status="ready",
        output_prefix="hls/1/1/",
        poster_key="hls/1/1/poster.jpg",
        visibility="public",
    )
    publish(video)
    get_storage().put_bytes("hls/1/1/poster.jpg", b"\xff\xd8\xff poster", content_type="image/jpeg")
    url = kinds.thumbnail_url(video)
    assert url and url.startswith(f"/resources/{video.pk}/thumbnail?v=")
    response = client.get(url, **EN)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == (
        b"\xff\xd8\xff poster"
    )
    # Still processing (no output served yet): no poster.
    Resource.objects.filter(pk=video.pk).update(status="processing")
    video.refresh_from_db()
    assert kinds.thumbnail_url(video) is None


def test_make_thumbnails_fills_in_older_resources_once(teacher, pdf_file):
    resource = resource_with(teacher, pdf_file, "application/pdf")
    services.build_preview(resource.pk)
    ResourceFile.objects.filter(role="thumbnail").delete()  # made before thumbnails existed

    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)
    assert "thumbnails made: 1" in out.getvalue()
    first = thumbnail_of(resource).pk
    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)
    assert "thumbnails made: 0" in out.getvalue()
    assert thumbnail_of(resource).pk == first
