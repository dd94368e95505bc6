"""A 200 MB upload streams through a worker process in flat memory, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edu_portal.storage import from_url
from tests.storage.conftest import s3_url
from tests.storage.streams import generated_sha256

SIZE = 200 * 1000 * 1000
PEAK_LIMIT_MB = 100
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_probe(url: str, key: str) -> dict:
    """Upload in a fresh interpreter, so its peak RSS is the upload's and nothing else's
    (the test process holds the moto server and pytest)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.storage.upload_probe", url, key, str(SIZE)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def expected_sha256() -> str:
    return generated_sha256(SIZE)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_200mb_streamed_upload_in_flat_memory(backend, tmp_path, request, expected_sha256):
    if backend == "filesystem":
        url = f"file://{tmp_path / 'objects'}"
    else:
        url = s3_url(request.getfixturevalue("moto_endpoint"))
    key = "uploads/big/lesson.mp4"
    report = run_probe(url, key)
    print(f"{backend}: peak RSS {report['peak_rss_mb']} MB (baseline {report['baseline_rss_mb']})")
    assert report["peak_rss_mb"] < PEAK_LIMIT_MB, report
    assert (report["size"], report["sha256"]) == (SIZE, expected_sha256)

    store = from_url(url)
    info = store.stat(key)
    assert (info.size, info.sha256, info.content_type) == (SIZE, expected_sha256, "video/mp4")
    with store.open(key, SIZE - 10) as tail:
        assert len(tail.read()) == 10
    store.delete(key)  # moto keeps objects in this process's memory
