"""gunicorn settings for production; every value can be overridden from the environment.

gunicorn sits behind nginx (deploy/nginx/), which is the defence against slow clients: it
reads every request body in full before asking gunicorn (except the tus uploads, which
stream) and buffers the responses, with timeouts between reads and writes. gunicorn itself
must not be reachable from anywhere else, so it listens on loopback only: no gunicorn worker
class protects itself from a client that sends its body slowly (a gthread thread waits for
the bytes; workers x threads such clients hold them all), and the asynchronous ones do not
suit this site (below). tests/deploy/test_slow_clients.py runs the attack through nginx.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# gthread: each request is served by one thread of a worker, and the worker's main loop keeps
# accepting and reporting in meanwhile. Streaming responses (playlists, range requests and
# file downloads from the filesystem store, tus uploads) occupy one thread, not a whole
# process, and `timeout` never cuts them off: it only restarts a worker whose main loop
# stopped answering. Not the asynchronous workers: gevent would need monkey-patching under
# psycopg and Celery's clients, and under ASGI Django reads a StreamingHttpResponse with a
# plain iterator into memory in full before sending it.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s), so that nginx closes an idle
# connection first; an idle kept-alive connection waits in the main loop, not on a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus (/metrics, edu_portal.operations.metrics): each worker process counts its own
# requests, and a scrape reaches one worker, so without this the counts would jump between
# the workers' numbers. prometheus_client's multiprocess mode has every process write its
# values into files under PROMETHEUS_MULTIPROC_DIR, which /metrics adds up. It must be in
# the environment before the workers import prometheus_client: set here, in the master. By
# default a fresh directory per gunicorn master (removed on exit); an operator's own must
# be empty and this master's alone, and its files from an earlier run are removed here.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_own_metrics_dir = not _metrics_dir
if _own_metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="edu-portal-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
else:
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)
    for _stale in Path(_metrics_dir).glob("*.db"):
        _stale.unlink()


def child_exit(server, worker):
    # A worker that exited (max_requests, a crash): its live gauges no longer count; its
    # counters and histograms stay in the sums, as counters must.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
