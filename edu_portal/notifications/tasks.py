"""Celery task of the notification centre: the e-mail copy of a notification."""

from __future__ import annotations

import smtplib

from celery import shared_task

from edu_portal.notifications import mail


@shared_task(
    name="notifications.send_email",
    queue="default",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_email(notification_id: int) -> str:
    return mail.send(notification_id)
