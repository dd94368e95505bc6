"""The production stack as processes on this machine, for tests/deploy/test_stack.py.

deploy/compose.yaml runs web, a worker per queue, beat, nginx, PostgreSQL, Redis and an S3
server in containers; images cannot be pulled here, so the same programs run as processes
with the same configuration files: gunicorn with deploy/gunicorn.conf.py behind nginx with
deploy/nginx/*.conf (tests/deploy/nginx.py), Celery workers for `default,search` and for
`media` with node names of their own, Celery beat, a Redis server and moto's S3 server of
their own on free ports, and a fresh database on the PostgreSQL server of the test run.

Every process starts in a session of its own, so that stopping it (or killing the media
worker on purpose) reaches its pool children and their ffmpeg too; everything is stopped,
and the database dropped, when the `running` block ends, whatever happened inside.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.deploy import nginx as harness
from tests.deploy import servers
from tests.storage.conftest import free_port

ROOT = servers.ROOT
BUCKET = harness.BUCKET  # deploy/nginx serves segments from this bucket by name
# A job whose worker died is taken over after PIPELINE_STALE_SECONDS (its minimum) plus
# one sweep interval.
STALE_SECONDS = 30
SWEEP_SECONDS = 2


# --- what the machine offers -------------------------------------------------------------------


def postgres_params() -> dict[str, str]:
    """Connection parameters of the PostgreSQL server to make the stack's database on: the
    one DATABASE_URL names when it is PostgreSQL (CI), else postgres@127.0.0.1:5432."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url) if url.startswith(("postgres://", "postgresql://")) else None
    params = {
        "host": (parts.hostname if parts else None) or "127.0.0.1",
        "port": str((parts.port if parts else None) or 5432),
        "user": (parts.username if parts else None) or "postgres",
    }
    if parts and parts.password:
        params["password"] = parts.password
    return params


def postgres_server() -> dict[str, str] | None:
    """``postgres_params()`` if that server answers, else None."""
    import psycopg

    params = postgres_params()
    try:
        with psycopg.connect(dbname="postgres", connect_timeout=3, **params):
            return params
    except psycopg.Error:
        return None


def missing_programs() -> list[str]:
    needed = ["redis-server", "ffmpeg", "ffprobe"]
    missing = [name for name in needed if shutil.which(name) is None]
    if harness.nginx_binary() is None:
        missing.append("nginx (with auth_request)")
    return missing


# --- processes ----------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path
    node: str = ""  # a Celery worker's node name, "media@host"

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, chars: int = 4000) -> str:
        return f"--- {self.name} ({self.log}) ---\n{self.text()[-chars:]}"

    def wait_for_line(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode})\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not log {needle!r}\n{self.tail()}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the whole session: the main process, its pool children, their ffmpeg
        (a machine or container that dies takes them all)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        stop_all([self], timeout)


def stop_all(services: list[Service], timeout: float = 30) -> None:
    """SIGTERM to each main process only (systemd's KillMode=mixed: a worker's warm
    shutdown), all at once; then SIGKILL to whatever is left in their sessions."""
    began = time.monotonic()
    for each in services:
        if each.process.poll() is None:
            each.process.send_signal(signal.SIGTERM)
    for each in services:
        with contextlib.suppress(subprocess.TimeoutExpired):
            each.process.wait(timeout=max(0.1, timeout - (time.monotonic() - began)))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(each.pid, signal.SIGKILL)
        each.process.wait(timeout=30)
    names = ", ".join(each.name for each in services)
    print(f"[stack] stopped {names} in {time.monotonic() - began:.1f} s", file=sys.stderr)


def start(name: str, argv: list[str], *, env: dict[str, str], log: Path) -> Service:
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Service(name, process, log)


@contextlib.contextmanager
def service(name: str, argv: list[str], *, env: dict[str, str], log: Path) -> Iterator[Service]:
    started = start(name, argv, env=env, log=log)
    try:
        yield started
    finally:
        started.stop()


def celery_worker(node: str, queues: str, *, env: dict[str, str], log: Path) -> Service:
    """``celery worker -Q queues -n node@%h``, as deploy/systemd/edu-portal-worker@.service
    and the compose file run it (one pool process: the test machine has two cores)."""
    argv = [sys.executable, "-m", "celery", "-A", "edu_portal", "worker", "-Q", queues]
    argv += ["-n", f"{node}@%h", "--loglevel=INFO", "--concurrency=1"]
    worker = start(f"worker {node}", argv, env=env, log=log)
    worker.node = f"{node}@{socket.gethostname()}"  # what Celery makes of %h
    return worker


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A Redis of this stack's own on a free port (no other test's keys, nothing to flush)."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(directory)]
    with service("redis", argv, env=dict(os.environ), log=directory / "redis.log") as redis:
        harness.wait_for_port(port, redis.process, redis.tail, timeout=20)
        yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def database(server: dict[str, str]) -> Iterator[str]:
    """A new, uniquely named database on ``server``; dropped (connections and all) at the
    end. Yields its DATABASE_URL."""
    import psycopg
    from psycopg import sql

    name = f"stack_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = server["user"] + (f":{server['password']}" if server.get("password") else "")
    try:
        yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def make_clip(path: Path, *, seconds: int, size: str) -> Path:
    """A test-pattern video with a tone (H.264/AAC in MP4), small and quick to make."""
    lavfi = [
        ("testsrc2", f"size={size}:rate=25:duration={seconds}"),
        ("sine", f"frequency=440:duration={seconds}"),
    ]
    argv = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
    for source, options in lavfi:
        argv += ["-f", "lavfi", "-i", f"{source}={options}"]
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p"]
    argv += ["-c:a", "aac", "-b:a", "64k", "-shortest", str(path)]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return path


# --- the stack ----------------------------------------------------------------------------------


@dataclass
class Stack:
    base: Path
    database_url: str
    object_store_url: str
    env: dict[str, str]
    nginx: harness.NginxSite
    gunicorn_log: Path
    web: Service
    media: Service
    beat: Service
    passwords: dict[str, str]
    clips: dict[str, Path]
    retired: list[Service] = field(default_factory=list)
    started: list[Service] = field(default_factory=list)  # all of them, stopped at the end

    @property
    def url(self) -> str:
        return self.nginx.url

    @property
    def tmp(self) -> Path:
        """TMPDIR of every process of the stack."""
        return self.base / "tmp"

    def store(self):
        return _store(self.object_store_url)

    def query(self, statement: str, *params) -> list[tuple]:
        """Rows of the stack's own database (the test process's Django uses another)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(statement, params).fetchall()

    def restart_media_worker(self) -> Service:
        self.retired.append(self.media)
        count = len(self.retired)
        self.media = celery_worker(
            "media", "media", env=self.env, log=self.base / f"worker-media-{count}.log"
        )
        self.started.append(self.media)
        return self.media

    def logs(self) -> str:
        services = [self.web, *self.retired, self.media, self.beat]
        parts = [s.tail() for s in services]
        parts.append(f"--- gunicorn ---\n{self.gunicorn_log.read_text(errors='replace')[-4000:]}")
        errors = self.nginx.prefix / "logs" / "error.log"
        if errors.exists():
            parts.append(f"--- nginx ---\n{errors.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)


def _migrate(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _finish(process: subprocess.Popen, log: Path, what: str, timeout: float) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise RuntimeError(f"{what} took over {timeout} s\n{log.read_text()[-3000:]}") from None
    if code != 0:
        raise RuntimeError(f"{what} failed ({code})\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def running(base: Path, server: dict[str, str]) -> Iterator[Stack]:
    """Start the whole stack under ``base``; stop it all (and drop its database) after."""
    began = time.monotonic()

    def say(what: str) -> None:  # shown by pytest when a test fails: where the time went
        print(f"[stack {time.monotonic() - began:5.1f} s] {what}", file=sys.stderr)

    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(database(server))
        redis_url = stack.enter_context(redis_server(base / "redis"))
        minio = stack.enter_context(harness.moto_server())
        object_store_url = f"s3://testing:testing@{minio}/{BUCKET}?secure=false&region=us-east-1"
        tmp = base / "tmp"  # the workers' temporary files (a killed job leaves its own)
        tmp.mkdir()
        settings = dict(
            SECRET_KEY=secrets.token_urlsafe(50),  # one key for all: tokens cross processes
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            OBJECT_STORE_URL=object_store_url,
            # deploy/env.example: nginx on this host is the proxy Django believes.
            TRUSTED_PROXIES="127.0.0.1/32",
            SIGNED_URL_BIND_IP="1",
            # 127.0.0.2 plays a viewer outside the education intranet.
            INTRANET_NETWORKS="127.0.0.1/32",
            PIPELINE_STALE_SECONDS=str(STALE_SECONDS),
            PIPELINE_SWEEP_SECONDS=str(SWEEP_SECONDS),
            TMPDIR=str(tmp),
        )
        env = servers.child_env(base / "var", **settings)
        # The slow part first: migrations, while everything else starts beside them.
        migrate_log = base / "migrate.log"
        migrating = _migrate(env, migrate_log)
        say("migrating")
        stack.callback(_reap, migrating)
        # The workers and beat, stopped together before Redis and the database go.
        started: list[Service] = []
        stack.callback(stop_all, started)
        web = celery_worker("web", "default,search", env=env, log=base / "worker-web.log")
        started.append(web)
        media = celery_worker("media", "media", env=env, log=base / "worker-media-0.log")
        started.append(media)

        store = _store(object_store_url)
        store.client.make_bucket(store.bucket)  # what the operator does once (mc mb)
        harness.allow_nginx_reads(store)  # and the read policy for nginx (README)
        clips = {
            "short": make_clip(base / "lesson.mp4", seconds=3, size="320x240"),
            "long": make_clip(base / "long-lesson.mp4", seconds=24, size="640x360"),
        }
        say("clips made, bucket ready")
        _finish(migrating, migrate_log, "migrate", timeout=300)
        say("migrated")

        # The people, beside gunicorn's and beat's start.
        passwords = {"teacher": secrets.token_urlsafe(16), "reviewer": secrets.token_urlsafe(16)}
        seed_log = base / "seed.log"
        with seed_log.open("wb") as out:
            seeding = subprocess.Popen(
                [sys.executable, "-m", "tests.deploy.stack_seed"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack.callback(_reap, seeding)
        assert seeding.stdin is not None
        with seeding.stdin:  # small enough for the pipe's buffer: no waiting here
            seeding.stdin.write(json.dumps(passwords).encode())

        beat = start(
            "beat",
            [
                *(sys.executable, "-m", "celery", "-A", "edu_portal", "beat", "--loglevel=INFO"),
                f"--schedule={base / 'celerybeat-schedule'}",
            ],
            env=env,
            log=base / "beat.log",
        )
        started.append(beat)
        app_port = stack.enter_context(servers.gunicorn(base / "var", workers=2, env=settings))
        site = harness.write_config(base / "nginx", app=f"127.0.0.1:{app_port}", minio=minio)
        stack.enter_context(harness.running(harness.nginx_binary(), site))
        say("gunicorn and nginx up")
        _finish(seeding, seed_log, "seeding", timeout=120)
        say("seeded")
        for worker in (web, media):
            worker.wait_for_line(f"{worker.node} ready.", timeout=120)
        say("workers ready")
        result = Stack(
            base=base,
            database_url=database_url,
            object_store_url=object_store_url,
            env=env,
            nginx=site,
            gunicorn_log=base / "gunicorn.log",
            web=web,
            media=media,
            beat=beat,
            passwords=passwords,
            clips=clips,
            started=started,
        )
        yield result


def _store(url: str):
    from edu_portal.storage import from_url

    return from_url(url, timeout=10, retries=1)


def _reap(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
