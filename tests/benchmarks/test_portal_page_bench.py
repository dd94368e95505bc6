"""Article-page benchmark (issue 14): an anonymous visitor's article page through the
production configuration, against the same page saved as a static file and served by the
same nginx, at 50 concurrent clients. Run with `make bench`.

Production configuration: PostgreSQL (``BENCH_PORTAL_DATABASE_URL``, default the local
server's ``bench_portal`` database, dropped and made again), Redis for the cache and the
counters (``BENCH_PORTAL_REDIS_URL``, default database 7, emptied first), gunicorn with
deploy/gunicorn.conf.py and the real nginx with deploy/nginx/*.conf (tests/deploy/nginx.py).
The caches are on as in production: nginx's micro-cache of anonymous pages
(``CMS_EDGE_CACHE_SECONDS``, X-Accel-Expires) in front of Django's own (Redis). Visits are
counted by the page's beacon (cms/visit.js), which wrk does not run: the beacon is
measured on its own (POSTs through nginx to Django at the same concurrency) and every
beacon must be counted.

wrk (50 connections, two threads) runs each target for BENCH_PORTAL_SECONDS (8) seconds,
interleaved, three times; medians are printed with the ratio of requests per second.
Asserted: every answer 200 with the page's size, the visits counted, and the issue's goal,
p95 under 50 ms with caching on. The static file's rate is the ceiling, not a target.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy import nginx as harness
from tests.storage.conftest import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("stream_rotate.lua")  # GETs the listed paths in turn
NGINX = harness.nginx_binary()
WRK = shutil.which("wrk")

CONNECTIONS = 50
SECONDS = int(os.environ.get("BENCH_PORTAL_SECONDS", "8"))
RUNS = 3
GOAL_P95_MS = 50
DATABASE_URL = os.environ.get(
    "BENCH_PORTAL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_portal"
)
REDIS_URL = os.environ.get("BENCH_PORTAL_REDIS_URL", "redis://127.0.0.1:6379/7")
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"

# Made in the server's own database by `manage.py shell`: a news item as the bureau writes
# them, under the 教育新闻 column the structure migration made.
MAKE_ARTICLE = """
import datetime
from wagtail.models import Site
from edu_portal.cms.models import ArticlePage, ColumnPage
home = Site.objects.get(is_default_site=True).root_page
news = ColumnPage.objects.descendant_of(home).filter(kind="news").order_by("path").first()
paragraph = (
    "<p>12月3日，县教育局召开全县中小学教育教学质量提升推进会。会议总结了本学期以来全县教育"
    "教学工作取得的成绩，分析了当前存在的问题，部署了下一阶段重点任务。各中小学校长、"
    "教学副校长及教研室全体教研员参加会议。</p>"
)
body = "<h2>会议要求</h2>" + paragraph * 12 + "<ul><li>落实课程方案</li><li>加强教研</li></ul>"
page = ArticlePage(
    title="全县中小学教育教学质量提升推进会召开",
    slug="bench-quality-meeting",
    summary="县教育局召开全县中小学教育教学质量提升推进会，部署下一阶段重点任务。",
    body=body,
    published_on=datetime.date.today(),
    keywords="教学质量 推进会",
)
news.add_child(instance=page)
page.save_revision().publish()
print("ARTICLE", page.url)
"""

COUNT_VISITS = """
from edu_portal.cms import visits
from edu_portal.cms.models import ArticlePage, PageVisitDay
visits.flush()
page = ArticlePage.objects.get(slug="bench-quality-meeting")
print("VISITS", sum(PageVisitDay.objects.filter(page=page).values_list("count", flat=True)))
"""


def _beacon_url(html: str) -> str:
    found = re.search(r'<meta name="cms-visit" content="([^"]+)">', html)
    assert found, "the page carries no visit beacon"
    return found.group(1)


def _beacon_run(url: str, beacon: str, tmp_path: Path) -> int:
    """What visitors' browsers add: one beacon per view, POSTed at the same concurrency."""
    script = tmp_path / "beacon.lua"
    script.write_text(
        LUA.read_text().replace(
            'wrk.format("GET", paths[counter])', 'wrk.format("POST", paths[counter])'
        )
    )
    paths = tmp_path / "beacon.txt"
    paths.write_text(beacon + "\n")
    done = subprocess.run(
        [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s",
         "-H", f"User-Agent: {BROWSER}", "-s", str(script), url, "--", str(paths)],
        capture_output=True, text=True, timeout=SECONDS + 60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = json.loads(
        next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")).removeprefix(
            "WRK_JSON "
        )
    )
    assert run["bad_status"] == 0 and run["socket_errors"] == 0, run
    rate = run["requests"] / (run["duration_us"] / 1e6)
    print(f"  {'visit beacon (Django, counted)':32s} {rate:8.0f} {run['p95_us'] / 1000:8.1f}")
    return run["requests"]


def _fresh_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _empty_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _manage(env: dict, *args: str, code: str | None = None) -> str:
    command = [sys.executable, "manage.py", *args]
    if code is not None:
        command += ["-c", code]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _wrk(url: str, paths_file: Path, seconds: int = SECONDS) -> dict:
    done = subprocess.run(
        [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
         "-H", f"User-Agent: {BROWSER}", "-s", str(LUA), url, "--", str(paths_file)],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def _fetch(url: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read()


def _start_gunicorn(env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "edu_portal.wsgi"],
            cwd=PROJECT_ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    harness.wait_for_port(port, server, lambda: log.read_text()[-3000:], timeout=60)
    return server, port


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _services_reachable() -> str | None:
    try:
        import psycopg
        import redis

        base = DATABASE_URL.rpartition("/")[0]
        psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # any reason: the benchmark needs both servers
        return f"PostgreSQL or Redis not reachable: {exc}"
    return None


@pytest.mark.skipif(NGINX is None, reason="nginx with auth_request is not installed")
@pytest.mark.skipif(WRK is None, reason="wrk is not installed (make bench installs it)")
def test_portal_article_page_benchmark(tmp_path):
    if reason := _services_reachable():
        pytest.skip(reason)
    _fresh_database(DATABASE_URL)
    _empty_redis(REDIS_URL)
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "CMS_"))},
        "DJANGO_SETTINGS_MODULE": "edu_portal.settings",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "OBJECT_STORE_URL": f"file://{var_dir / 'objects'}",
        "SECRET_KEY": settings.SECRET_KEY,
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "DEBUG": "false",
    }
    _manage(env, "migrate", "--noinput", "-v0")
    created = _manage(env, "shell", code=MAKE_ARTICLE)
    article = next(x for x in created.splitlines() if x.startswith("ARTICLE ")).split()[1]
    assert article.startswith("/") and article.endswith("/bench-quality-meeting/")

    gunicorn, app_port = _start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        static_root = tmp_path / "static-site"
        static_port = free_port()
        static = f"""
    server {{
        listen 127.0.0.1:{static_port};
        location / {{
            root {static_root};
        }}
    }}
"""
        site = harness.write_config(
            tmp_path / "nginx",
            app=f"127.0.0.1:{app_port}",
            minio="127.0.0.1:9",  # segments are not asked for here
            workers=2,
            extra_http=static,
            access_log=False,
        )
        with harness.running(NGINX, site):
            status, headers, page = _fetch(site.url + article)
            assert status == 200 and "全县中小学教育教学质量提升推进会召开" in page.decode()
            # The saved copy is what a visitor got, served by the same nginx.
            target = static_root / article.strip("/") / "index.html"
            target.parent.mkdir(parents=True)
            target.write_bytes(page)
            status, headers, _ = _fetch(site.url + article)
            assert headers.get("X-Edge-Cache") == "HIT", headers
            beacon = _beacon_url(page.decode())
            paths = tmp_path / "paths.txt"
            paths.write_text(article + "\n")
            targets = {
                "nginx (micro-cache) -> gunicorn": site.url,
                "nginx static file": f"http://127.0.0.1:{static_port}",
            }
            summary, _requests = _run_all(targets, paths, len(page))
            beacons = _beacon_run(site.url, beacon, tmp_path)
        counted = _manage(env, "shell", code=COUNT_VISITS)
    finally:
        _stop(gunicorn)
    visits = int(next(x for x in counted.splitlines() if x.startswith("VISITS ")).split()[1])
    # Every beacon counted, and nothing else (serving the page counts nothing). wrk counts
    # only answered requests: those in flight when it stops (one per connection) count too.
    assert beacons * 0.99 <= visits <= beacons + CONNECTIONS, (visits, beacons)
    rps, p95 = summary["nginx (micro-cache) -> gunicorn"]
    assert p95 < GOAL_P95_MS, f"article page p95 {p95:.1f} ms, goal < {GOAL_P95_MS} ms"
    assert rps > 0


def _run_all(targets: dict, paths: Path, size: int) -> tuple[dict, int]:
    results: dict[str, list[dict]] = {name: [] for name in targets}
    django_requests = 0
    for name, url in targets.items():  # warm-up: connections, workers, caches
        run = _wrk(url, paths, seconds=2)
        assert run["bad_status"] == 0, (name, run)
        if "gunicorn" in name:
            django_requests += run["requests"]
    for _ in range(RUNS):  # interleaved, so that noise hits both alike
        for name, url in targets.items():
            run = _wrk(url, paths)
            print(f"  {name:32s} {run}")
            assert run["requests"] > 0 and run["bad_status"] == 0, (name, run)
            assert run["socket_errors"] == 0, (name, run)
            per_request = run["bytes"] / run["requests"]
            # The page plus headers (each visitor's CSRF token differs, not its length).
            assert size < per_request < size + 2000, (name, run, size)
            results[name].append(run)
            if "gunicorn" in name:
                django_requests += run["requests"]

    def rate(run: dict) -> float:
        return run["requests"] / (run["duration_us"] / 1e6)

    summary = {
        name: (
            statistics.median(rate(r) for r in runs),
            statistics.median(r["p95_us"] for r in runs) / 1000,
        )
        for name, runs in results.items()
    }
    (page_name, (page_rps, page_p95)), (static_name, (static_rps, static_p95)) = summary.items()
    print(
        f"\nArticle page, anonymous, {CONNECTIONS} connections, {SECONDS} s x {RUNS} runs "
        f"(medians), {size / 1000:.1f} KB page:"
    )
    print(f"  {'path':32s} {'req/s':>8s} {'p95 ms':>8s} {'ratio':>6s}")
    verdict = "PASS" if page_p95 < GOAL_P95_MS else "MISS"
    print(
        f"  {page_name:32s} {page_rps:8.0f} {page_p95:8.1f} {page_rps / static_rps:6.3f}"
        f"  p95 goal < {GOAL_P95_MS} ms: {verdict}"
    )
    print(f"  {static_name:32s} {static_rps:8.0f} {static_p95:8.1f} {1:6.3f}  (ceiling)")
    return summary, django_requests
