"""Fixtures for the pipeline tests: a teacher and an admin, a complete upload put straight
into the store with its Upload row (the tus protocol has its own tests), and the API."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from edu_portal.accounts.models import User
from edu_portal.accounts.roles import Role
from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from tests.media.conftest import clips  # noqa: F401 - the session fixture, reused
from tests.people import make_user

RESOURCES = "/api/v1/resources/"


@pytest.fixture(autouse=True)
def _pipeline_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.PIPELINE_PRESET = "ultrafast"
    return settings


@pytest.fixture
def admin_user(bureau) -> User:
    return make_user("admin_chen", Role.BUREAU_ADMIN, bureau)


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def put_upload(user: User, path: Path, *, complete: bool = True) -> Upload:
    """A finished tus upload of ``path``: the object in the store and its row."""
    data = path.read_bytes()
    key = f"uploads/test/{uuid.uuid4().hex}"
    get_storage().put_bytes(key, data)
    return Upload.objects.create(
        owner=user,
        filename=path.name,
        filetype="video/mp4",
        length=len(data),
        offset=len(data) if complete else 0,
        status=Upload.Status.COMPLETE if complete else Upload.Status.RECEIVING,
        key=key,
        sha256=hashlib.sha256(data).hexdigest(),
        expires_at=timezone.now() + timedelta(days=1),
        completed_at=timezone.now() if complete else None,
    )


def upload_url(upload: Upload) -> str:
    return f"http://testserver/api/v1/uploads/{upload.pk}"


def make_video(user: User, path: Path):
    """A resource created through the action layer, with its first job (not run yet)."""
    from catalog import actions, sources

    source = sources.resolve(user, upload_url(put_upload(user, path)))
    resource = actions.create_resource(user, source=source, title=path.name, kind="video")
    return resource, resource.jobs.get()


def object_keys(prefix: str) -> list[str]:
    return [info.key for info in get_storage().list(prefix)]


def fetch_prefix(prefix: str, dest: Path) -> Path:
    """Copy an output set out of the store so ffmpeg can read it; returns master.m3u8."""
    store = get_storage()
    for info in store.list(prefix):
        target = dest / info.key[len(prefix) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.get_bytes(info.key))
    return dest / "master.m3u8"


def decode_master(master: Path) -> None:
    assert shutil.which("ffmpeg")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(master), "-map", "0", "-f", "null", "-"],
        check=True,
        capture_output=True,
        timeout=60,
    )
