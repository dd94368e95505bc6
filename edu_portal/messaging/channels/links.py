"""The guardian's link to a notice, from the signed-link module ``edu_portal.messaging.links``."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from .. import links
from ..models import Recipient


def notice_url(recipient: Recipient) -> str:
    """The absolute link (``SITE_URL`` before the site path, when it is set)."""
    url = links.short_url(recipient)
    if url.startswith("/"):
        url = settings.NOTIFICATIONS_SITE_URL.rstrip("/") + url
    return url


def link_code(url: str) -> str:
    """The last part of the link's path: what an SMS template's variable carries, after the
    fixed registered address (e.g. ``https://edu.example.cn/n/${code}``)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
