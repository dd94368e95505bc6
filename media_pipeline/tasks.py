"""The pipeline's Celery tasks, found by autodiscovery through this module: processing,
upload expiry and the flush of viewing statistics."""

from media_pipeline.processing.tasks import process_job_task, sweep_stalled_jobs
from media_pipeline.streaming.tasks import flush_view_stats
from media_pipeline.uploads.tasks import cleanup_expired_uploads

__all__ = ["cleanup_expired_uploads", "flush_view_stats", "process_job_task", "sweep_stalled_jobs"]
