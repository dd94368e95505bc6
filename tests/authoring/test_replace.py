"""Replacing a resource's file (/resources/<id>/replace/): the finished upload becomes the
original, what was made from the old file goes, and the kind's processing runs again."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from catalog.models import Blob, Resource, ResourceFile, ResourceText
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from media_pipeline.processing.models import ProcessingJob
from tests.authoring.conftest import MP4_HEADER, PDF, client_for, stored, upload_url

pytestmark = pytest.mark.django_db

NEW_PDF = PDF + b"% corrected\n"


def replace(client, resource: Resource, url: str):
    return client.post(f"/resources/{resource.pk}/replace/", {"upload": url})


def test_a_document_gets_the_new_file_and_a_new_preview(
    teacher, make, queued, django_capture_on_commit_callbacks
):
    resource = make("勾股定理 课件", state="changes_requested")
    # As if the first preview had been made: a preview file, text, state ready.
    old_original = resource.files.get(role=ResourceFile.Role.ORIGINAL)
    ResourceFile.objects.create(
        resource=resource, blob=old_original.blob, role="preview", filename="old.pdf"
    )
    ResourceText.objects.create(resource=resource, text="旧的文字")
    Resource.objects.filter(pk=resource.pk).update(preview_state=Resource.Preview.READY)
    queued["preview"].clear()
    upload = stored(teacher, NEW_PDF, "勾股定理-改.pdf")

    with django_capture_on_commit_callbacks(execute=True):
        response = replace(client_for(teacher), resource, upload_url(upload))

    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"/resources/{resource.pk}/edit/"
    resource.refresh_from_db()
    files = list(resource.files.all())
    assert [(f.role, f.filename) for f in files] == [("original", "勾股定理-改.pdf")]
    new_blob = files[0].blob
    assert new_blob.sha256 == upload.sha256 and get_storage().exists(new_blob.key)
    assert (resource.source_key, resource.source_filename) == (new_blob.key, "勾股定理-改.pdf")
    assert resource.preview_state == Resource.Preview.PENDING
    assert not ResourceText.objects.filter(resource=resource).exists()
    assert queued["preview"] == [resource.pk]
    # The old Blob stays (Blobs are shared by content); the upload is used up.
    assert Blob.objects.filter(pk=old_original.blob_id).exists()
    assert not Upload.objects.filter(pk=upload.pk).exists()
    entry = LogEntry.objects.get_for_object(resource).order_by("-pk").first()
    assert "original" in entry.changes_dict and entry.actor == teacher
    # The state is unchanged: resubmitting is the author's next step.
    assert resource.state == "changes_requested"


def _ready_video(make, **fields) -> Resource:
    resource = make(
        "课堂实录",
        kind="video",
        data=MP4_HEADER + b"old recording",
        filename="lesson.mp4",
        filetype="video/mp4",
        **fields,
    )
    ProcessingJob.objects.filter(resource=resource).update(state=ProcessingJob.State.READY)
    Resource.objects.filter(pk=resource.pk).update(
        status=Resource.Status.READY,
        output_prefix=f"hls/{resource.pk}/1/",
        poster_key=f"hls/{resource.pk}/1/poster.jpg",
        mp4_key=f"hls/{resource.pk}/1/720p.mp4",
        duration=61.0,
    )
    resource.refresh_from_db()
    return resource


def test_a_video_is_processed_again(teacher, make, queued, django_capture_on_commit_callbacks):
    resource = _ready_video(make, state="changes_requested")
    jobs_before = set(ProcessingJob.objects.filter(resource=resource).values_list("pk", flat=True))
    queued["process"].clear()
    upload = stored(teacher, MP4_HEADER + b"new recording", "lesson-v2.mp4", "video/mp4")

    with django_capture_on_commit_callbacks(execute=True):
        response = replace(client_for(teacher), resource, upload_url(upload))

    assert response.status_code == 302, response.content.decode()
    resource.refresh_from_db()
    assert resource.status == Resource.Status.UPLOADED
    # The old recording's outputs are no longer served while the new one is prepared.
    assert (resource.output_prefix, resource.poster_key, resource.mp4_key) == ("", "", "")
    assert resource.duration is None
    new_jobs = ProcessingJob.objects.filter(resource=resource).exclude(pk__in=jobs_before)
    assert [job.state for job in new_jobs] == [ProcessingJob.State.UPLOADED]
    assert queued["process"] == [new_jobs.get().pk]


def test_a_file_of_another_kind_is_refused(teacher, make, queued):
    resource = make("讲义", state="changes_requested")
    before = resource.files.get().blob_id
    upload = stored(teacher, MP4_HEADER + b"video", "clip.mp4", "video/mp4")
    response = replace(client_for(teacher), resource, upload_url(upload))
    assert response.status_code == 400
    assert "does not fit a resource of the kind" in response.context["file_error"]
    assert 'id="replace-error"' in response.content.decode()
    resource.refresh_from_db()
    assert resource.files.get().blob_id == before
    assert Upload.objects.filter(pk=upload.pk).exists()  # kept, to use elsewhere


def test_the_same_file_again_is_refused(teacher, make):
    resource = make("讲义", data=PDF, state="changes_requested")
    upload = stored(teacher, PDF, "same.pdf")
    response = replace(client_for(teacher), resource, upload_url(upload))
    assert response.status_code == 400
    assert "same file as the current one" in response.context["file_error"]


def test_a_published_resource_keeps_its_file(teacher, make):
    resource = make("已发布", state="published")
    before = resource.source_sha256
    response = replace(client_for(teacher), resource, upload_url(stored(teacher, NEW_PDF)))
    assert response.status_code == 400
    assert "Withdraw it first" in response.context["file_error"]
    resource.refresh_from_db()
    assert resource.source_sha256 == before


def test_a_video_still_being_prepared_cannot_be_replaced(teacher, make):
    resource = make(
        "刚上传的视频",
        kind="video",
        data=MP4_HEADER + b"x",
        filename="a.mp4",
        filetype="video/mp4",
    )
    upload = stored(teacher, MP4_HEADER + b"y", "b.mp4", "video/mp4")
    response = replace(client_for(teacher), resource, upload_url(upload))
    assert response.status_code == 400
    assert "still being prepared" in response.context["file_error"]


def test_someone_elses_upload_cannot_be_used(teacher, other_teacher, make):
    resource = make("讲义")
    theirs = stored(other_teacher, NEW_PDF)
    response = replace(client_for(teacher), resource, upload_url(theirs))
    assert response.status_code == 400
    assert "No such upload of yours" in response.context["file_error"]
    assert Upload.objects.filter(pk=theirs.pk).exists()


def test_an_address_that_is_no_upload(teacher, make):
    resource = make("讲义")
    client = client_for(teacher)
    response = replace(client, resource, "http://evil.example/file.pdf")
    assert response.status_code == 400
    assert "not the address of an upload" in response.context["file_error"]
    assert replace(client, resource, "").status_code == 400


def test_others_cannot_replace_my_file(other_teacher, make):
    resource = make("讲义")
    upload = stored(other_teacher, NEW_PDF)
    response = replace(client_for(other_teacher), resource, upload_url(upload))
    assert response.status_code == 404
    resource.refresh_from_db()
    assert resource.source_sha256 != upload.sha256


def test_get_is_refused_and_changes_nothing(teacher, make):
    resource = make("讲义")
    upload = stored(teacher, NEW_PDF)
    response = client_for(teacher).get(
        f"/resources/{resource.pk}/replace/", {"upload": upload_url(upload)}
    )
    assert response.status_code == 405
    resource.refresh_from_db()
    assert resource.source_sha256 != upload.sha256


def test_the_picker_uses_the_tus_endpoint(teacher, make):
    """The page sends the file where every upload goes (same type, size and quota checks)."""
    resource = make("讲义")
    page = client_for(teacher).get(f"/resources/{resource.pk}/edit/").content.decode()
    assert 'data-endpoint="/api/v1/uploads/"' in page
    assert "media_pipeline/replace-file" in page and "tus-js-client" in page
