"""/metrics under gunicorn with several worker processes: the request counts of every
worker add up (prometheus_client's multiprocess mode, set up by deploy/gunicorn.conf.py),
instead of each scrape seeing the one worker that answered it."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.servers import get, gunicorn


def healthz_count(port: int) -> float:
    status, body = get(port, "/metrics")
    assert status == 200, body[:300]
    total = 0.0
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if (
                sample.name == "django_http_responses_total_by_status_view_method_total"
                and sample.labels.get("view") == "healthz"
                and sample.labels.get("status") == "200"
            ):
                total += sample.value
    return total


def test_counts_of_every_worker_add_up(tmp_path: Path):
    var = tmp_path / "var"
    var.mkdir()
    with gunicorn(var, workers=3, threads=2) as port:
        before = healthz_count(port)
        for _ in range(60):
            assert get(port, "/healthz")[0] == 200
        # Every scrape, whichever worker answers it, sees all 60 (and those before).
        for _ in range(6):
            assert healthz_count(port) == before + 60
        # The platform's own parts are on the same page.
        _status, body = get(port, "/metrics")
        assert b'edu_metrics_part_up{part="backup"}' in body
