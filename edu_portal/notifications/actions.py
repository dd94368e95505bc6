"""Telling people things: the one way every app creates notifications, and the reader's
own changes (marking read, the e-mail choice).

``notify`` stores the row in the caller's transaction and, when the recipient chose e-mail
and has an address, queues the mail only after commit, so nobody is mailed about a step
that rolled back. Links are site-relative: the notifications page redirects to them, and an
absolute or protocol-relative link would make it an open redirect.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import models, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.notifications.models import Category, Notification, Preference

SUBJECT_MAX = Notification._meta.get_field("subject").max_length
LINK_MAX = Notification._meta.get_field("link").max_length


def is_site_relative(link: str) -> bool:
    """True for a path on this site ("/x/"), false for "//host", "http://", "\\\\host",
    "javascript:" and anything with control characters."""
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and not any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in link)
        and url_has_allowed_host_and_scheme(link, allowed_hosts=set())
    )


def _check(link: str, category: str) -> str:
    link = link or ""
    if link and not is_site_relative(link):
        raise ValueError(f"notification link must be site-relative: {link!r}")
    if len(link) > LINK_MAX:
        raise ValueError(f"notification link longer than {LINK_MAX} characters")
    if category not in Category.values:
        raise ValueError(f"unknown notification category: {category!r}")
    return link


def _target_fields(target: models.Model | None) -> dict:
    if target is None:
        return {"target_type": None, "target_id": None}
    return {
        "target_type": ContentType.objects.get_for_model(target),
        "target_id": target.pk,
    }


def _mail_after_commit(notifications: list[Notification]) -> None:
    recipient_ids = {note.recipient_id for note in notifications}
    if not recipient_ids:
        return
    wanting = set(
        Preference.objects.filter(user_id__in=recipient_ids, email=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("user_id", flat=True)
    )
    ids = [note.pk for note in notifications if note.recipient_id in wanting]
    if not ids:
        return
    from edu_portal.notifications.tasks import send_email

    def enqueue() -> None:
        for pk in ids:
            send_email.delay(pk)

    transaction.on_commit(enqueue)


def notify(
    recipient,
    subject: str,
    body: str = "",
    link: str = "",
    *,
    category: str,
    target: models.Model | None = None,
) -> Notification:
    """Store a notification for ``recipient``; e-mail it after commit if they chose e-mail.

    ``link`` must be site-relative ("/catalog/r/5/"); ``ValueError`` otherwise, and for an
    unknown ``category`` (a programming error, not user input).
    """
    link = _check(link, category)
    note = Notification.objects.create(
        recipient=recipient,
        category=category,
        subject=subject[:SUBJECT_MAX],
        body=body,
        link=link,
        **_target_fields(target),
    )
    _mail_after_commit([note])
    return note


def notify_many(
    recipients: Iterable,
    subject: str,
    body: str = "",
    link: str = "",
    *,
    category: str,
    target: models.Model | None = None,
) -> list[Notification]:
    """The same notification for each recipient (each once), in one INSERT; e-mailed after
    commit to those who chose e-mail, as :func:`notify` does."""
    link = _check(link, category)
    fields = _target_fields(target)
    now = timezone.now()
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                category=category,
                subject=subject[:SUBJECT_MAX],
                body=body,
                link=link,
                created_at=now,
                **fields,
            )
        )
    notes = Notification.objects.bulk_create(rows)
    if notes and notes[0].pk is None:  # a backend that does not return ids
        notes = list(
            Notification.objects.filter(recipient_id__in=seen, created_at=now, subject=subject)
        )
    _mail_after_commit(notes)
    return notes


def db_value(model, field: str, value) -> tuple[str, list]:
    """A constant for :func:`insert_select`: ``value`` as ``field`` of ``model`` stores it."""
    from django.db import connection

    return "%s", [model._meta.get_field(field).get_db_prep_save(value, connection)]


def insert_select(model, values: dict, rows: models.QuerySet) -> int:
    """``INSERT INTO model (...) SELECT ... FROM (rows) AS src``, one statement for any
    number of rows; the number inserted. ``values`` maps field names to ``(sql, params)``
    (columns of ``src`` by name, or :func:`db_value`); every other concrete field gets its
    default. For fan-outs too large for model objects; no signals, no ``save()``."""
    from django.db import connection

    try:
        rows_sql, rows_params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter such as pk__in=[]: no rows
        return 0
    quote = connection.ops.quote_name
    columns, exprs, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.name in values:
            sql, field_params = values[field.name]
            exprs.append(sql)
            params += field_params
        else:
            exprs.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    # Identifiers are quoted, every value is a parameter; rows_sql is compiled by the ORM.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(exprs)} FROM ({rows_sql}) src"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *rows_params])
        return cursor.rowcount


def notify_users(
    users: models.QuerySet,
    subject: str,
    body: str = "",
    link: str = "",
    *,
    category: str,
    target: models.Model | None = None,
) -> int:
    """The same notification for every user of the queryset, in one INSERT ... SELECT (a
    notice to a whole county); not e-mailed (callers with this many recipients mail on their
    own terms). The number created."""
    link = _check(link, category)
    fields = _target_fields(target)

    def param(field: str, value):
        return db_value(Notification, field, value)

    values = {
        "recipient": ("src.notify_uid", []),
        "category": param("category", category),
        "subject": param("subject", subject[:SUBJECT_MAX]),
        "body": param("body", body),
        "link": param("link", link),
        "target_type": param("target_type", getattr(fields["target_type"], "pk", None)),
        "target_id": param("target_id", fields["target_id"]),
        "created_at": param("created_at", timezone.now()),
    }
    rows = users.order_by().values(notify_uid=models.F("pk"))
    return insert_select(Notification, values, rows)


def mark_read(user, pk: int) -> Notification:
    """Mark one of the user's notifications read (again: a no-op). Another person's id is
    ``Notification.DoesNotExist``, the same as an id that does not exist."""
    note = Notification.objects.for_user(user).get(pk=pk)
    if note.read_at is None:
        note.read_at = timezone.now()
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=note.read_at)
    return note


def mark_all_read(user) -> int:
    """Mark all the user's unread notifications read; returns how many there were."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()


def wants_email(user) -> bool:
    return Preference.objects.filter(user_id=user.pk, email=True).exists()


def set_email_preference(user, email: bool) -> Preference:
    """Change the person's e-mail choice; audited (it decides where their messages go)."""
    with transaction.atomic(), actor_context(user):
        preference, _created = Preference.objects.select_for_update().get_or_create(user=user)
        if preference.email != email:
            before = preference.email
            preference.email = email
            preference.save(update_fields=["email"])
            log_event(preference, {"email": [str(before), str(email)]})
    return preference
