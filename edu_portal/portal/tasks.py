"""Small tasks that prove the worker is alive end to end."""

from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="portal.ping", queue="default", ignore_result=False)
def ping() -> dict[str, str]:
    """Answers with the worker's host and time: used by tests and by operators."""
    return {"pong": socket.gethostname(), "at": timezone.now().isoformat()}
