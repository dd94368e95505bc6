"""tus-js-client, the library the upload page loads, against a live server (its Node.js
build: the same protocol code as in the browser)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from media_pipeline.models import Upload
from tests.uploads.conftest import upload_of
from tests.uploads.media import media_sha256

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("tus_js_probe.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "tus-js-client").exists(),
    reason="needs node and `npm ci` (make setup does both)",
)


def test_tus_js_client_uploads_in_chunks(live_server, teacher, store):
    size, chunk = 11 * 1024 * 1024 + 17, 3 * 1024 * 1024  # crosses S3 parts
    token = Token.objects.create(user=teacher).key
    endpoint = f"{live_server.url}/api/v1/uploads/"
    result = subprocess.run(
        ["node", str(PROBE), endpoint, token, str(size), str(chunk)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    upload = upload_of(json.loads(result.stdout.strip().splitlines()[-1])["url"])
    assert upload.status == Upload.Status.COMPLETE
    assert upload.filename == "课堂实录.mp4"
    assert upload.sha256 == media_sha256(size)  # the probe makes the same bytes
    assert store.stat(upload.key).sha256 == upload.sha256
