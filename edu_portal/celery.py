"""The Celery application: settings come from Django's, prefixed CELERY_."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edu_portal.settings")

app = Celery("edu_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _declare_queues(sender: Celery, **_kwargs: object) -> None:
    from django.conf import settings

    # A worker started without -Q consumes every queue declared here.
    sender.conf.task_queues = [Queue(name) for name in settings.CELERY_TASK_QUEUE_NAMES]


app.autodiscover_tasks()
