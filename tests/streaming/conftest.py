"""A real transcoded output set, made once per session, published per test.

Transcoding is the slow part (about a second), so it runs once; each test then uploads the
finished directory into its own object store under ``hls/<resource>/<set>/`` and gets a
READY resource pointing at it, exactly as the pipeline leaves one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import Resource
from edu_portal.storage import get_storage
from media_pipeline.artwork import make_artwork
from media_pipeline.ladder import plan_ladder
from media_pipeline.mp4copy import MP4_NAME, make_mp4_copy
from media_pipeline.probe import probe
from media_pipeline.processing import publish
from media_pipeline.transcode import run_transcode
from tests.media.conftest import clips  # noqa: F401 - the session fixture, reused

OUTPUT_SET = 7  # the "job" id in hls/<resource>/<set>/ (no job row is needed to serve)


@pytest.fixture(scope="session")
def output_dir(clips, tmp_path_factory) -> Path:  # noqa: F811
    """854x480, 1 s: three video rungs and an audio rendition, poster, sprite, MP4 copy."""
    source = clips.path("odd_854x480")
    out = tmp_path_factory.mktemp("stream-set") / "out"
    info = probe(source)
    plan = plan_ladder(info)
    run_transcode(source, out, plan, info, preset="ultrafast")
    make_artwork(source, out, plan, info)
    make_mp4_copy(out, plan)
    return out


@pytest.fixture(autouse=True)
def _stream_settings(settings, tmp_path, intranet_settings):
    settings.LANGUAGE_CODE = "en"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    return settings


def publish_set(output_dir: Path, uploader, *, output_set: int = OUTPUT_SET, **fields) -> Resource:
    """A READY resource whose output set is ``output_dir``, uploaded to the current store
    under ``hls/<resource>/<output_set>/``, as the pipeline leaves one."""
    fields = {
        "title": "勾股定理 第一课时",
        "kind": Resource.Kind.VIDEO,
        "visibility": "intranet",
        "duration": 1.0,
        "state": "published",
        **fields,
    }
    resource = Resource.objects.create(uploader=uploader, org_unit=uploader.org_unit, **fields)
    storage = get_storage()
    prefix = publish.job_prefix(resource.pk, output_set)
    publish.upload_directory(storage, output_dir, prefix, threads=4)
    resource.source_key = f"sources/{resource.pk}/source"
    resource.source_filename = "勾股定理.mp4"
    storage.put_bytes(resource.source_key, b"the original upload")
    resource.status = Resource.Status.READY
    resource.output_prefix = prefix
    resource.poster_key = prefix + "poster.jpg"
    resource.mp4_key = prefix + MP4_NAME
    resource.save()
    return resource


def ready_row(uploader, **fields) -> Resource:
    """A READY video row with no stored output: enough for positions and statistics."""
    fields = {
        "visibility": "intranet",
        "duration": 600.0,
        "status": "ready",
        "state": "published",
        **fields,
    }
    resource = Resource.objects.create(
        title="分数的意义", kind="video", uploader=uploader, **fields
    )
    resource.output_prefix = f"hls/{resource.pk}/1/"
    resource.save(update_fields=["output_prefix"])
    return resource


@pytest.fixture
def publish_video(output_dir, teacher):
    """``publish_video(visibility=..., uploader=..., **fields)`` → a READY resource."""

    def publish_(visibility: str = "intranet", uploader=None, **fields) -> Resource:
        return publish_set(output_dir, uploader or teacher, visibility=visibility, **fields)

    return publish_
