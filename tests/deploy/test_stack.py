"""The production stack, as processes: a video uploaded through nginx is transcoded on the
media worker, streamed through nginx, found by search, and finished even when the media
worker is killed in the middle of it.

tests/deploy/stack.py starts gunicorn (deploy/gunicorn.conf.py) behind nginx
(deploy/nginx/*.conf), a Celery worker for `default,search` and one for `media` with node
names of their own, Celery beat, Redis, moto's S3 server and a fresh PostgreSQL database,
as deploy/compose.yaml does with containers. Everything here goes over HTTP as a client
would (tus upload with tuspy, the JSON API with tokens, the player's playlists and
segments); the job rows are read from the stack's database and the workers' logs.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from tusclient.client import TusClient

from media_pipeline.processing.services import TRANSCODE_SHARE  # percent when ffmpeg is done
from tests.deploy import stack as stack_module

SERVER = stack_module.postgres_server()
WHERE = "{host}:{port}".format(**stack_module.postgres_params())
MISSING = stack_module.missing_programs()
pytestmark = [
    pytest.mark.skipif(SERVER is None, reason=f"no PostgreSQL server answers at {WHERE}"),
    pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}"),
]

OUTSIDE = "127.0.0.2"  # INTRANET_NETWORKS is 127.0.0.1/32 in the stack
TIMEOUT = 60  # seconds for a transcode on two busy cores
# A worker's log line when it takes a task off its queue (its banner lists every task name).
RECEIVED = "Task {task}["
TAKEN = re.compile(r"Task media_pipeline\.process_job\[([^]]+)\] received")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_module.running(tmp_path_factory.mktemp("stack"), SERVER) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(stack) -> dict[str, str]:
    """API tokens for the seeded teacher and reviewer, asked for through nginx."""
    found = {}
    for who in ("teacher", "reviewer"):
        response = requests.post(
            f"{stack.url}/api/v1/auth/token/",
            json={"username": f"stack_{who}", "password": stack.passwords[who]},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        found[who] = response.json()["token"]
    return found


def api(stack, token: str, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Token {token}", "Accept-Language": "zh-hans"}
    return requests.request(method, f"{stack.url}{path}", headers=headers, timeout=30, **kwargs)


def upload_video(stack, tokens, clip, title: str) -> int:
    """tus upload through nginx (several PATCHes), then the resource, sent to review."""
    client = TusClient(
        f"{stack.url}/api/v1/uploads/", headers={"Authorization": f"Token {tokens['teacher']}"}
    )
    uploader = client.uploader(
        str(clip),
        chunk_size=128 * 1024,
        metadata={"filename": clip.name, "filetype": "video/mp4"},
        upload_checksum=True,
    )
    uploader.upload()
    assert urlsplit(uploader.url).port == stack.nginx.port  # every PATCH went via nginx
    body = {"title": title, "kind": "video", "upload": uploader.url, "submit": True}
    response = api(stack, tokens["teacher"], "POST", "/api/v1/resources/", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def approve(stack, tokens, resource_id: int) -> None:
    path = f"/api/v1/resources/{resource_id}/review/"
    response = api(stack, tokens["reviewer"], "POST", path, json={"action": "approve"})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "published"


def jobs(stack, resource_id: int) -> list[dict]:
    rows = stack.query(
        "SELECT id, state, percent, worker, attempts, output_prefix, error_detail"
        " FROM media_pipeline_processingjob WHERE resource_id = %s ORDER BY id",
        resource_id,
    )
    names = ("id", "state", "percent", "worker", "attempts", "output_prefix", "error_detail")
    return [dict(zip(names, row, strict=True)) for row in rows]


def wait_for_job(stack, resource_id: int, ready, timeout: float = TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = jobs(stack, resource_id)
        if found and ready(found[-1]):
            return found[-1]
        if found and found[-1]["state"] == "failed":
            raise AssertionError(f"job failed: {found[-1]}\n{stack.logs()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"job not there in {timeout} s: {found}\n{stack.logs()}")
        time.sleep(0.1)


def _stat(pid: int) -> list[str]:
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()


def wait_for_transcoding(stack, resource_id: int) -> tuple[dict, int, list[int]]:
    """The job while ffmpeg converts it: its row says "transcoding" below the share the
    conversion ends at, and its worker process has an ffmpeg child. Returns the row, the
    worker process and the ffmpeg processes."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = jobs(stack, resource_id)
        job = found[-1] if found else None
        if job and job["state"] == "transcoding" and job["percent"] < TRANSCODE_SHARE:
            worker = pool_pid(job)
            ffmpeg = [
                pid
                for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
                if _is_child_ffmpeg(pid, worker)
            ]
            if ffmpeg:
                return job, worker, ffmpeg
        elif job and job["state"] in ("publishing", "ready", "failed"):
            raise AssertionError(f"the conversion ended before it was seen: {job}")
        time.sleep(0.05)
    raise AssertionError(f"no conversion running in {TIMEOUT} s\n{stack.logs()}")


def parent_of(pid: int) -> int:
    return int(_stat(pid)[1])


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for whoever inherited it to reap it."""
    try:
        return _stat(pid)[0] not in ("Z", "X")
    except OSError:
        return False


def pool_pid(job: dict) -> int:
    """The process that ran the job: the row names ``host:pid`` of the worker process."""
    host, pid = job["worker"].rsplit(":", 1)
    assert host == socket.gethostname()
    return int(pid)


def get(stack, path: str, *, source: str = "127.0.0.1") -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", stack.nginx.port, source_address=(source, 0), timeout=30
    )
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def play(stack, resource_id: int) -> dict:
    """Do what the player does: the master playlist, each variant's playlist, then every
    part of the first variant with the token its playlist carries; each part must be the
    stored object's bytes. Returns how many were fetched, and the last part's path."""
    store = stack.store()
    prefix = jobs(stack, resource_id)[-1]["output_prefix"]
    response, master = get(stack, f"/stream/{resource_id}/master.m3u8")
    assert response.status == 200, master
    assert response.getheader("Content-Type") == "application/vnd.apple.mpegurl"
    variants = [line for line in master.decode().splitlines() if line and line[0] != "#"]
    assert variants, master
    counts: dict = {"variants": 0, "parts": 0, "last": ""}
    for index, variant in enumerate(variants):
        response, playlist = get(stack, f"/stream/{resource_id}/{variant}")
        assert response.status == 200, playlist
        counts["variants"] += 1
        if index:
            continue
        text = playlist.decode()
        assert "#EXT-X-ENDLIST" in text
        parts = re.findall(r'URI="([^"]+)"', text)
        parts += [line for line in text.splitlines() if line and line[0] != "#"]
        base = variant.split("?", 1)[0].rsplit("/", 1)[0]  # "<set>/<rung>"
        for part in parts:
            assert "sig=" in part and "exp=" in part, part  # signed, as the player gets it
            response, data = get(stack, f"/stream/{resource_id}/{base}/{part}")
            assert response.status == 200, (part, data[:200])
            name = part.split("?", 1)[0]
            rung = base.split("/", 1)[1]
            assert data == store.get_bytes(f"{prefix}{rung}/{name}"), part
            counts["parts"] += 1
            counts["last"] = f"/stream/{resource_id}/{base}/{part}"
    return counts


def search(stack, text: str) -> list[int]:
    response = requests.get(f"{stack.url}/api/v1/resources/", params={"q": text}, timeout=30)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["results"]]


def assert_no_errors(stack) -> None:
    """No process of the stack logged an error or a traceback (beat's periodic tasks ran on
    the web worker meanwhile, against the same database)."""
    for service in (stack.web, *stack.retired, stack.media, stack.beat):
        text = service.text()
        assert " ERROR" not in text and "Traceback" not in text, service.tail()
    assert "Traceback" not in stack.gunicorn_log.read_text(), stack.logs()
    errors = (stack.nginx.prefix / "logs" / "error.log").read_text()
    assert "[error]" not in errors and "[crit]" not in errors, errors[-3000:]


def wait_for_search(stack, text: str, resource_id: int, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while resource_id not in (found := search(stack, text)):
        assert time.monotonic() < deadline, f"not found by {text!r}: {found}\n{stack.logs()}"
        time.sleep(0.3)
    return found


def test_a_video_through_the_stack(stack, tokens):
    resource_id = upload_video(stack, tokens, stack.clips["short"], "勾股定理 第一课时")
    # Not published yet: the viewer is told nothing about it.
    assert get(stack, f"/stream/{resource_id}/master.m3u8")[0].status == 404

    job = wait_for_job(stack, resource_id, lambda j: j["state"] == "ready")
    assert job["attempts"] == 1 and job["output_prefix"] == f"hls/{resource_id}/{job['id']}/"
    # Transcoded by a pool process of the media worker, not of the web worker.
    assert parent_of(pool_pid(job)) == stack.media.pid
    assert RECEIVED.format(task="media_pipeline.process_job") in stack.media.text()
    assert RECEIVED.format(task="media_pipeline.process_job") not in stack.web.text()

    approve(stack, tokens, resource_id)
    counts = play(stack, resource_id)
    assert counts["variants"] >= 1 and counts["parts"] >= 2  # the init segment and media
    # Segments came from the object store through nginx; Django only answered the token
    # check (auth_request) and the playlists.
    served = stack.gunicorn_log.read_text()
    assert f"/stream/{resource_id}/master.m3u8" in served
    assert "/stream/auth" in served
    assert not re.search(rf"GET /stream/{resource_id}/\d+/[^ ]+\.m4s", served)

    # Off the intranet: neither the playlist nor (without a bound token) a segment.
    response, body = get(stack, f"/stream/{resource_id}/master.m3u8", source=OUTSIDE)
    assert response.status == 403, body
    response, body = get(stack, counts["last"], source=OUTSIDE)
    assert response.status == 403, body  # nginx's wall: the token is not bound to this one

    # Indexed by the search queue's task on the web worker.
    assert wait_for_search(stack, "勾股定理", resource_id) == [resource_id]
    assert RECEIVED.format(task="catalog.index_resource") in stack.web.text()
    assert RECEIVED.format(task="catalog.index_resource") not in stack.media.text()
    assert_no_errors(stack)


def test_the_media_worker_killed_mid_job(stack, tokens):
    resource_id = upload_video(stack, tokens, stack.clips["long"], "圆的面积 复习课")
    approve(stack, tokens, resource_id)  # published while it is still being converted
    running, victim, ffmpeg = wait_for_transcoding(stack, resource_id)
    assert parent_of(victim) == stack.media.pid

    killed = stack.media
    killed.kill()
    deadline = time.monotonic() + 10  # SIGKILL is delivered, then the kernel tears down
    while any(alive(pid) for pid in (victim, *ffmpeg)):
        assert time.monotonic() < deadline, "the job's process or its ffmpeg survived"
        time.sleep(0.05)
    assert jobs(stack, resource_id)[-1]["state"] == "transcoding"  # left unfinished

    replacement = stack.restart_media_worker()
    replacement.wait_for_line(f"{replacement.node} ready.", timeout=60)
    # The heartbeat stops; after PIPELINE_STALE_SECONDS the beat's sweeper (on the web
    # worker) re-queues the job and the new media worker claims it.
    job = wait_for_job(
        stack,
        resource_id,
        lambda j: j["state"] == "ready",
        timeout=stack_module.STALE_SECONDS + stack_module.SWEEP_SECONDS + TIMEOUT,
    )
    assert job["id"] == running["id"] and job["attempts"] == 2
    assert parent_of(pool_pid(job)) == replacement.pid
    assert f"'requeued': [{job['id']}]" in stack.web.text()
    taken = TAKEN.findall(killed.text())
    assert f"process_job[{taken[-1]}] succeeded" not in killed.text()  # the interrupted one
    retaken = TAKEN.findall(replacement.text())
    assert len(retaken) == 1  # the sweeper's message; the killed worker's is still unacked
    replacement.wait_for_line(f"process_job[{retaken[0]}] succeeded", timeout=30)

    # The killed attempt's working files stay in its TMPDIR (nothing ran its cleanup): the
    # worker's unit gives it a private /tmp that systemd empties when it restarts the worker
    # (deploy/systemd, PrivateTmp). The attempt that finished removed its own.
    left = [path.name for path in stack.tmp.iterdir() if path.name.startswith("edu-job-")]
    assert len(left) == 1 and left[0].startswith(f"edu-job-{job['id']}-"), left

    # One complete output set: the job's prefix only, every playlist entry present.
    store = stack.store()
    keys = [info.key for info in store.list(f"hls/{resource_id}/")]
    assert keys and all(key.startswith(job["output_prefix"]) for key in keys), keys
    counts = play(stack, resource_id)
    assert counts["parts"] >= 3  # init and the segments of 24 seconds
    assert wait_for_search(stack, "圆的面积", resource_id) == [resource_id]
    assert_no_errors(stack)


def _is_child_ffmpeg(pid: int, parent: int) -> bool:
    try:
        program = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
        return parent_of(pid) == parent and program.endswith(b"ffmpeg")
    except (OSError, ValueError, IndexError):
        return False
