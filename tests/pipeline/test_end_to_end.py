"""A video goes from a finished upload through the API to a published, playable HLS set."""

from __future__ import annotations

import pytest

from catalog.models import Resource
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from media_pipeline.processing import services
from media_pipeline.processing.models import ProcessingJob
from tests.pipeline.conftest import (
    RESOURCES,
    api_for,
    decode_master,
    fetch_prefix,
    object_keys,
    put_upload,
    upload_url,
)

pytestmark = pytest.mark.django_db


def create(client, the_upload, **extra):
    body = {"title": "三年级数学 第一课", "kind": "video", "upload": upload_url(the_upload)}
    body.update(extra)
    return client.post(RESOURCES, body, format="json")


def test_upload_to_published_hls(teacher, clips, tmp_path, django_capture_on_commit_callbacks):
    upload = put_upload(teacher, clips.path("one_second"))
    client = api_for(teacher)
    # execute=False: the test runs the job itself, in process (no broker here).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = create(client, upload, description="课堂实录")
    assert response.status_code == 201, response.content
    assert len(callbacks) == 2  # the task is sent, and the upload freed, only after commit
    resource = Resource.objects.get(pk=response.json()["id"])
    assert resource.status == Resource.Status.UPLOADED
    # Stored once by content: the same file uploaded again shares this object.
    assert resource.source_key == f"blobs/{upload.sha256[:2]}/{upload.sha256[2:4]}/{upload.sha256}"
    assert resource.files.get().role == "original"
    assert resource.source_sha256 == upload.sha256
    job = resource.jobs.get()

    assert services.process_job(job.pk) == ProcessingJob.State.READY

    job.refresh_from_db()
    resource.refresh_from_db()
    assert job.state == "ready" and job.percent == 100
    assert job.command[0].endswith("ffmpeg") and "-filter_complex" in job.command
    assert job.probe_info and job.plan
    assert set(job.stage_seconds) >= {"download", "probe", "transcode", "artwork", "publish"}
    assert job.attempts == 1 and job.finished_at and job.started_at
    prefix = f"hls/{resource.pk}/{job.pk}/"
    assert resource.status == "ready" and resource.output_prefix == prefix == job.output_prefix
    assert resource.poster_key == prefix + "poster.jpg"
    assert resource.mp4_key == prefix + "download.copy.mp4"  # the teachers' MP4 copy
    assert resource.source_filename == "short.mp4"
    assert resource.duration == pytest.approx(1.0, abs=0.2)

    store_info = services.get_storage().stat(prefix + "master.m3u8")
    assert store_info.content_type == "application/vnd.apple.mpegurl"
    segment = next(k for k in object_keys(prefix) if k.endswith(".m4s"))
    assert "immutable" in services.get_storage().stat(segment).cache_control
    decode_master(fetch_prefix(prefix, tmp_path / "out"))

    detail = client.get(f"{RESOURCES}{resource.pk}/").json()
    assert detail["status"] == "ready"
    assert detail["stream_url"] == f"/stream/{resource.pk}/master.m3u8"
    assert detail["watch_url"] == f"/watch/{resource.pk}/"
    assert detail["processing"]["state"] == "ready"
    processing = client.get(f"{RESOURCES}{resource.pk}/processing/").json()
    assert processing["percent"] == 100 and "command" not in processing  # teachers: no command


def test_admin_sees_command(teacher, admin_user, clips):
    client = api_for(teacher)
    response = create(client, put_upload(teacher, clips.path("one_second")))
    resource_id = response.json()["id"]
    assert client.get(f"{RESOURCES}{resource_id}/").json()["stream_url"] is None
    job = ProcessingJob.objects.get(resource_id=resource_id)
    services.process_job(job.pk)
    body = api_for(admin_user).get(f"{RESOURCES}{resource_id}/processing/").json()
    assert body["state"] == "ready" and body["command"][0].endswith("ffmpeg")


def test_refusals(teacher, student, admin_user, clips):
    client = api_for(teacher)
    incomplete = put_upload(teacher, clips.path("one_second"), complete=False)
    response = create(client, incomplete)
    assert response.status_code == 400 and response.json()["code"] == "upload_incomplete"
    assert "upload" in response.json()["errors"]

    someone_elses = put_upload(admin_user, clips.path("one_second"))
    response = create(client, someone_elses)
    assert response.status_code == 400 and response.json()["code"] == "upload_not_found"

    response = create(client, incomplete, upload="http://x/not/an/upload")
    assert response.status_code == 400 and response.json()["code"] == "invalid_upload"

    response = create(api_for(student), put_upload(student, clips.path("one_second")))
    assert response.status_code == 403
    assert not Resource.objects.exists()

    ok = create(client, put_upload(teacher, clips.path("one_second")))
    assert api_for(student).get(f"{RESOURCES}{ok.json()['id']}/").status_code == 404


def test_openapi_schema_lists_the_endpoints(admin_user):
    schema = api_for(admin_user).get("/api/schema/?format=json").json()
    assert "/api/v1/resources/" in schema["paths"]
    assert "/api/v1/resources/{id}/processing/" in schema["paths"]
    assert "/api/v1/resources/{id}/retranscode/" in schema["paths"]


def test_upload_is_freed_once_it_became_a_resource(
    teacher, clips, django_capture_on_commit_callbacks
):
    upload = put_upload(teacher, clips.path("one_second"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = create(api_for(teacher), upload)
    assert response.status_code == 201, response.content
    storage = get_storage()
    assert storage.exists(upload.key)  # nothing is freed before the commit
    callbacks[-1]()  # the freeing step (the first one sends the task to the broker)
    resource = Resource.objects.get(pk=response.json()["id"])
    assert not storage.exists(upload.key)
    assert not Upload.objects.filter(pk=upload.pk).exists()
    assert storage.stat(resource.source_key).sha256 == upload.sha256
    # The same upload cannot be turned into a second resource.
    again = create(api_for(teacher), upload)
    assert again.status_code == 400 and again.json()["code"] == "upload_not_found"
