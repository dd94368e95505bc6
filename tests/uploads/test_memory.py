"""Memory stays flat: a 200 MB upload through real HTTP in 48 MiB PATCHes (as the page sends).

The client runs in its own process; the live server runs in this one, where tracemalloc
measures the peak of what Python allocates while the PATCHes are handled (the test thread
only waits meanwhile). For S3 the moto server runs in a process of its own too, since it
keeps the uploaded parts in memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from edu_portal.storage import get_storage
from media_pipeline.models import Upload
from media_pipeline.uploads.views import PAGE_CHUNK_SIZE
from tests.storage.conftest import free_port, s3_url
from tests.uploads.conftest import upload_of
from tests.uploads.media import media_sha256

SIZE = 200 * 1000 * 1000
CHUNK = PAGE_CHUNK_SIZE  # what the upload page sends
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Filesystem: a few read blocks of 1 MiB. S3: about two 8 MiB parts (the buffer and the
# copy on the wire) plus a block. Either way independent of the 200 MB file and the
# 48 MiB requests.
PEAK_LIMIT = {"filesystem": 8 * 1024 * 1024, "s3": 32 * 1024 * 1024}


@pytest.fixture
def moto_process():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def expected_sha256() -> str:
    return media_sha256(SIZE)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_200mb_upload_over_http_in_flat_memory(
    backend, live_server, teacher, settings, request, expected_sha256
):
    if backend == "s3":
        settings.OBJECT_STORE_URL = s3_url(request.getfixturevalue("moto_process"))
    token = Token.objects.create(user=teacher).key
    endpoint = f"{live_server.url}/api/v1/uploads/"

    def probe(size: int) -> subprocess.CompletedProcess:
        command = ["-m", "tests.uploads.tus_probe", endpoint, token, str(size), str(CHUNK)]
        return subprocess.run(
            [sys.executable, *command],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # Warm up untraced: the first requests import modules, which is not upload memory.
    assert probe(3 * 1000 * 1000).returncode == 0

    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        result = probe(SIZE)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{backend}: server peak {peak / 2**20:.1f} MiB, {report['seconds']} s for 200 MB")
    assert peak < PEAK_LIMIT[backend], f"{peak / 2**20:.1f} MiB"

    upload = upload_of(report["url"])
    assert (upload.status, upload.offset) == (Upload.Status.COMPLETE, SIZE)
    assert upload.sha256 == expected_sha256
    info = get_storage().stat(upload.key)
    assert (info.size, info.sha256) == (SIZE, expected_sha256)
