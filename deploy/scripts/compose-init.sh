#!/bin/sh
# The one-shot `migrate` service of deploy/compose.yaml: everything that must be done once
# per release before web, workers and beat start (they wait for it to succeed).
set -eu
python manage.py migrate --noinput
# The integrity ledger's first baseline (README, "Tamper detection"): only while it is empty.
python manage.py verify_integrity --baseline --if-empty
# nginx reads published HLS segments from the bucket without credentials, and only it
# (its fixed address on the backend network): deploy/nginx/minio-hls-read-policy.json.
if [ -n "${NGINX_ADDRESS:-}" ]; then
  python deploy/scripts/s3_read_policy.py "$NGINX_ADDRESS"
fi
