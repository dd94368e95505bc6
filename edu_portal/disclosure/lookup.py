"""An applicant looks up their application with the query code and their phone number.

Wrong pairs get one generic sentence, whatever was wrong, and are counted per client
address and per code: after DISCLOSURE_LOOKUP_ATTEMPTS failures in
DISCLOSURE_LOOKUP_WINDOW seconds the lookup refuses (even a right pair) until the window
has passed, so neither codes nor phone numbers can be tried in bulk.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from edu_portal.disclosure.forms import phone_digits
from edu_portal.disclosure.models import Application


class Throttled(Exception):
    pass


def _keys(ip: str | None, code: str) -> list[str]:
    return [f"disclosure:lookup:ip:{ip or '-'}", f"disclosure:lookup:code:{code[:20]}"]


def find(code: str, phone: str, *, ip: str | None) -> Application | None:
    keys = _keys(ip, code)
    limit = settings.DISCLOSURE_LOOKUP_ATTEMPTS
    if any((cache.get(key) or 0) >= limit for key in keys):
        raise Throttled
    application = Application.objects.filter(query_code=code).first()
    digits = phone_digits(phone)
    if application is not None and digits and phone_digits(application.phone) == digits:
        return application
    for key in keys:
        if not cache.add(key, 1, settings.DISCLOSURE_LOOKUP_WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.add(key, 1, settings.DISCLOSURE_LOOKUP_WINDOW)
    return None
