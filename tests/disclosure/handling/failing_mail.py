"""An e-mail backend that refuses every message (an SMTP server saying no)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"wang@example.cn": (550, b"no such user")})
