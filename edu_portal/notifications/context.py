"""``notification_unread`` for every template: the header bell's count.

Lazy, so a page that never shows the bell (anonymous visitors, API-ish templates) runs no
query, and a page that shows it several times runs one COUNT.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notification_unread(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notification_unread": 0}

    def count() -> int:
        from edu_portal.notifications.actions import unread_count

        return unread_count(user)

    return {"notification_unread": SimpleLazyObject(count)}
