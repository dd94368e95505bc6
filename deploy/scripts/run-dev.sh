#!/usr/bin/env bash
# Serves the portal with a Celery worker (and its beat scheduler) on embedded defaults.
# Ctrl-C stops both: the trap forwards the signal to the worker and waits for it.
set -uo pipefail
# Each child runs in a session of its own (setsid), so that a Ctrl-C (SIGINT to the
# terminal's foreground group) or a SIGTERM to this script's group (make, timeout, a
# supervisor) reaches only this script, whose trap stops the worker through its main
# process. Signalled directly, Celery's pool children die under the worker, which then logs
# ERROR lines ("ForkPoolWorker-2 exited with signal 15") and can hang on its beat child.
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
CELERY=$(dirname "$PY")/celery

setsid "$CELERY" -A edu_portal worker --beat --loglevel=INFO --concurrency=2 \
  --schedule="${VAR_DIR:-var}/celerybeat-schedule" &
worker=$!

stop() {
  trap - INT TERM HUP
  echo "Stopping web server and worker..."
  [ -n "${web:-}" ] && kill -TERM "$web" 2>/dev/null
  kill -TERM "$worker" 2>/dev/null
  wait "$worker" 2>/dev/null
  [ -n "${web:-}" ] && wait "$web" 2>/dev/null
  exit 0
}
trap stop INT TERM HUP

echo "Portal: http://127.0.0.1:${PORT}/  (Ctrl-C stops the server and the worker)"
setsid "$PY" manage.py runserver "127.0.0.1:${PORT}" --noreload &
web=$!
# Whichever stops first (or a Ctrl-C) brings the other down too.
wait -n "$web" "$worker"
stop
