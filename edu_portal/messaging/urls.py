"""Routes of home-school notices (namespace ``messaging``): full paths from the root, since
the pages live under ``notices/`` (senders and the guardian's inbox), the short signed
links under ``n/`` and the API under ``api/v1/``. Each helper module adds its own list."""

from django.urls import path

from edu_portal.messaging import api_inbox, consent, inbox, sender

app_name = "messaging"

urlpatterns: list = []

# The guardian's side (M3): the inbox (also the 通知 section, see section_urls), one notice,
# its attachments, the short signed link, consent, channel choices, the home-screen app
# and the inbox API.
urlpatterns += [
    path("notices/", inbox.notices, name="inbox"),
    path("notices/inbox/<int:notice_id>/", inbox.notice_detail, name="inbox-notice"),
    path("notices/inbox/<int:notice_id>/answer/", inbox.notice_answer, name="inbox-answer"),
    path(
        "notices/inbox/<int:notice_id>/files/<int:attachment_id>/",
        inbox.attachment,
        name="inbox-attachment",
    ),
    path("notices/consent/", consent.consent_page, name="consent"),
    path("notices/preferences/", consent.preferences, name="preferences"),
    path("notices/manifest.webmanifest", inbox.manifest, name="manifest"),
    path("notices/sw.js", inbox.service_worker, name="service-worker"),
    path("n/<str:code>", inbox.link_page, name="link"),
    path("n/<str:code>/files/<int:attachment_id>", inbox.link_attachment, name="link-attachment"),
    path("api/v1/inbox/", api_inbox.InboxList.as_view(), name="api-inbox"),
    path(
        "api/v1/inbox/<int:notice_id>/read/", api_inbox.InboxRead.as_view(), name="api-inbox-read"
    ),
    path(
        "api/v1/inbox/<int:notice_id>/confirm/",
        api_inbox.InboxConfirm.as_view(),
        name="api-inbox-confirm",
    ),
    path(
        "api/v1/inbox/<int:notice_id>/reply/",
        api_inbox.InboxReply.as_view(),
        name="api-inbox-reply",
    ),
]

# The channels (M2): the SMS gateways' delivery-report callbacks, e-mail unsubscribe.
from edu_portal.messaging.channels import urls as channel_urls  # noqa: E402

urlpatterns += channel_urls.urlpatterns

# The sender's side (M4): notices sent, compose and edit, the report, reminders,
# withdrawal and the Excel export of replies.
urlpatterns += [
    path("notices/sent/", sender.sent, name="sent"),
    path("notices/new/", sender.compose, name="compose"),
    path("notices/<int:pk>/", sender.edit, name="edit"),
    path("notices/<int:pk>/delete/", sender.delete, name="delete"),
    path("notices/<int:pk>/report/", sender.report, name="report"),
    path("notices/<int:pk>/report/replies.xlsx", sender.export_replies, name="export"),
    path("notices/<int:pk>/remind/", sender.remind, name="remind"),
    path("notices/<int:pk>/withdraw/", sender.withdraw, name="withdraw"),
    path("notices/<int:pk>/files/<int:attachment_id>/", sender.attachment, name="attachment"),
    path(
        "notices/<int:pk>/files/<int:attachment_id>/remove/",
        sender.attachment_delete,
        name="attachment-delete",
    ),
]

# The notices API for senders (M1): create, edit, send, withdraw, remind, report.
from edu_portal.messaging import api_notices  # noqa: E402

urlpatterns += api_notices.urlpatterns
