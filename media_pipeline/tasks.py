"""Celery autodiscovers ``<app>.tasks``: the pipeline's tasks live in processing/."""

from media_pipeline.processing.tasks import process_job_task, sweep_stalled_jobs  # noqa: F401
