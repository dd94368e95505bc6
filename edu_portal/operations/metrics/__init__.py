"""Prometheus metrics of the platform (issue 16): /metrics, its collector, task outcomes.

Requests and latencies come from django-prometheus's middleware (settings.MIDDLEWARE);
queue depths, task outcomes, the transcode backlog, backups and integrity from
``collector.OperationsCollector`` at scrape time. README, "Metrics and logs", lists them.
"""
