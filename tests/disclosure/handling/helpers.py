"""Steps shared by the handling tests, through the action layer."""

from __future__ import annotations

import datetime as dt

from edu_portal.disclosure import handling
from edu_portal.disclosure.models import Application

REPLY = "招生计划见附件，亦可在本局网站“政策文件”栏目查阅。"


def replied(
    office, editor, department, application: Application, on=dt.date(2026, 11, 9), **draft
) -> Application:
    """Assign to ``department``, draft (by ``editor``) and approve on ``on``."""
    application = handling.assign(office, application, department, editor)
    fields = {"reply_type": "disclosed", "outcome": "disclose", "text": REPLY, **draft}
    made = handling.submit_draft(
        editor, application, fields["reply_type"], fields["outcome"], fields["text"]
    )
    handling.approve_draft(office, made, on)
    return Application.objects.get(pk=application.pk)
