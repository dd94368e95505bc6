"""Sending a notice, in tasks and in batches, never in the request.

1. :func:`start` flips the notice draft/scheduled → sending with a conditional UPDATE and
   queues ``messaging.send_notice`` after commit. Pressing "send" twice, or a scheduled
   notice picked up by two beats, starts it once.
2. :func:`freeze` (the task) resolves the audience into recipients, a batch of people at a
   time. Each batch is one transaction that first locks the notice row, so a redelivered
   task running beside the first waits and then finds the batch done; a worker killed
   mid-batch leaves nothing of it, and the next run does only what is missing. Within a
   batch: one ``Recipient`` per guardian (however many of their children are targeted),
   ``RecipientChild`` rows naming each child and its class, one ``Delivery`` per channel
   (unique per notice, recipient, channel, purpose, round), the inbox delivered at once
   with a notification-centre row, e-mail and SMS waiting for :func:`dispatch`.
3. :func:`dispatch` claims due e-mail and SMS deliveries and hands each to the channels
   (``edu_portal.messaging.channels.send``), which send it and record the outcome.

Reminders and the withdrawal message go out the same way (:func:`fan_out`), as new
deliveries with their own purpose and round.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf, Substr
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.accounts.models import GuardianLink, User
from edu_portal.messaging import audience as audiences
from edu_portal.messaging import reports
from edu_portal.messaging.channels.quiet import next_allowed
from edu_portal.messaging.models import (
    Channel,
    ChannelPreference,
    Delivery,
    Notice,
    Recipient,
    RecipientChild,
)
from edu_portal.notifications.actions import (
    db_value,
    insert_select,
    notify,
    notify_users,
)
from edu_portal.notifications.models import Category

log = logging.getLogger(__name__)

# What a delivery already handed on (or at least claimed) counts as "received" for the
# withdrawal message and the reminders: those go on the channels the notice went out on.
RECEIVED = (Delivery.State.SENDING, Delivery.State.SENT, Delivery.State.DELIVERED)
WAITING = (Delivery.State.PENDING, Delivery.State.HELD)


def inbox_link(notice_id: int) -> str:
    """The guardian's page of the notice (the inbox, built with the guardian's pages)."""
    return f"/notices/inbox/{notice_id}/"


def batch_size() -> int:
    return settings.NOTICE_BATCH_SIZE


# --- starting -----------------------------------------------------------------------------


def start(notice_id: int) -> bool:
    """Draft or scheduled → sending, once. False when the notice was already sending, sent
    or withdrawn (nothing changes then). The caller queues ``messaging.send_notice`` after
    commit."""
    now = timezone.now()
    started = Notice.objects.filter(pk=notice_id, state__in=Notice.EDITABLE).update(
        state=Notice.State.SENDING, sending_started_at=now, updated_at=now
    )
    return bool(started)


def start_due() -> list[int]:
    """Start the scheduled notices whose time has come (beat), and name those left
    "sending" by a lost task; the ids to queue. A sender who may no longer reach the
    audience gets the notice back as a draft, with a notification saying why."""
    now = timezone.now()
    queue = []
    due = Notice.objects.filter(state=Notice.State.SCHEDULED, send_at__lte=now).select_related(
        "sender"
    )
    for notice in due.order_by("send_at")[:100]:
        try:
            audiences.resolve(notice.sender, notice.audience)
        except ValidationError as exc:
            _back_to_draft(notice, exc)
            continue
        with transaction.atomic(), actor_context(None):
            if start(notice.pk):
                log_event(notice, {"state": [notice.state, Notice.State.SENDING]})
                queue.append(notice.pk)
    stuck = now - datetime.timedelta(minutes=settings.NOTICE_STUCK_MINUTES)
    queue += Notice.objects.filter(
        state=Notice.State.SENDING, sending_started_at__lt=stuck
    ).values_list("pk", flat=True)
    return queue


def _back_to_draft(notice: Notice, exc: ValidationError) -> None:
    with transaction.atomic(), actor_context(None):
        if Notice.objects.filter(pk=notice.pk, state=Notice.State.SCHEDULED).update(
            state=Notice.State.DRAFT, send_at=None
        ):
            log_event(notice, {"state": [notice.state, Notice.State.DRAFT]})
            with translation.override(settings.LANGUAGE_CODE):
                notify(
                    notice.sender,
                    _("Your scheduled notice “%(title)s” was not sent") % {"title": notice.title},
                    " ".join(str(m) for m in exc.messages),
                    f"/notices/{notice.pk}/",
                    category=Category.NOTICE,
                    target=notice,
                )


# --- freezing the recipients ----------------------------------------------------------------


def _guardian_links(audience: dict):
    targeted = audiences.student_assignments(audience).values("user_id")
    return GuardianLink.objects.filter(
        student_id__in=targeted, receives_notices=True, guardian__is_active=True
    )


def _lock_sending(notice_id: int) -> str | None:
    """Lock the notice row until the batch commits; its state (None if deleted)."""
    states = list(
        Notice.objects.select_for_update().filter(pk=notice_id).values_list("state", flat=True)
    )
    return states[0] if states else None


def _deliveries(
    notice: Notice,
    recipients: dict[int, int],
    addresses: dict[int, dict[str, str]],
    *,
    purpose: str,
    round: int = 0,
    now,
) -> list[Delivery]:
    """Inbox rows delivered now; e-mail and SMS waiting (held until morning in quiet hours
    unless the notice is urgent)."""
    not_before = next_allowed(now, notice.urgent)
    later = Delivery.State.HELD if not_before > now else Delivery.State.PENDING
    rows = []
    for user_id, recipient_id in recipients.items():
        common = {
            "notice_id": notice.pk,
            "recipient_id": recipient_id,
            "purpose": purpose,
            "round": round,
            "created_at": now,
        }
        rows.append(
            Delivery(
                channel=Channel.INBOX,
                state=Delivery.State.DELIVERED,
                sent_at=now,
                delivered_at=now,
                **common,
            )
        )
        for channel, address in addresses.get(user_id, {}).items():
            rows.append(
                Delivery(
                    channel=channel, address=address, state=later, not_before=not_before, **common
                )
            )
    return rows


def _notify_inbox(notice: Notice, users, subject: str) -> None:
    """The bell: one notification-centre row per user of the queryset, linking to the inbox
    page. The notice's own e-mail channel mails them, so the centre does not mail a second
    copy."""
    notify_users(
        users,
        subject,
        notice.org_unit.name,
        inbox_link(notice.pk),
        category=Category.NOTICE,
        target=notice,
    )


def _people_q(links, staff, low: int | None = None, high: int | None = None) -> Q:
    """Active guardians of the targeted pupils and targeted staff (ids ``low``..``high``)."""
    if low is not None:
        links = links.filter(guardian_id__gte=low, guardian_id__lte=high)
    return Q(is_active=True) & (Q(pk__in=links.values("guardian_id")) | Q(pk__in=staff))


def _freeze_batch(notice: Notice, low: int, high: int, links, staff) -> int:
    """The people with ids ``low``..``high`` in one transaction, set-based (INSERT ...
    SELECT: a county's 100,000 guardians are never Python objects); how many it added."""
    with transaction.atomic():
        if _lock_sending(notice.pk) != Notice.State.SENDING:
            return -1  # withdrawn or deleted meanwhile: stop
        now = timezone.now()
        done = Recipient.objects.filter(notice=notice, user_id__gte=low, user_id__lte=high).values(
            "user_id"
        )
        people = (
            User.objects.filter(_people_q(links, staff, low, high), pk__gte=low, pk__lte=high)
            .exclude(pk__in=done)
            .order_by()
            .values(uid=F("pk"))
        )
        insert_select(
            Recipient,
            {
                "notice": db_value(Recipient, "notice", notice.pk),
                "user": ("src.uid", []),
                "created_at": db_value(Recipient, "created_at", now),
            },
            people,
        )
        # This batch's rows carry its own timestamp: earlier batches committed with another,
        # and a batch that died left none.
        new = Recipient.objects.filter(
            notice=notice, user_id__gte=low, user_id__lte=high, created_at=now
        )
        children = (
            links.filter(guardian_id__gte=low, guardian_id__lte=high)
            .filter(guardian_id__in=new.values("user_id"))
            .order_by()
            .values(
                rid=Subquery(
                    Recipient.objects.filter(notice=notice, user_id=OuterRef("guardian_id"))
                    .order_by()
                    .values("pk")[:1]
                ),
                sid=F("student_id"),
                cid=F("student__org_unit_id"),
                name=Substr(
                    Coalesce(NullIf("student__display_name", Value("")), "student__username"),
                    1,
                    RecipientChild._meta.get_field("student_name").max_length,
                ),
            )
        )
        insert_select(
            RecipientChild,
            {
                "recipient": ("src.rid", []),
                "student": ("src.sid", []),
                "class_unit": ("src.cid", []),
                "student_name": ("src.name", []),
            },
            children,
        )
        _other_channels(notice, new, Delivery.Purpose.NOTICE, 0, now)
        _notify_inbox(notice, User.objects.filter(pk__in=new.values("user_id")), notice.title)
        return _inbox(notice, new, Delivery.Purpose.NOTICE, 0, now)


def _delivery_values(notice, purpose, round, now, **extra) -> dict:
    return {
        "notice": db_value(Delivery, "notice", notice.pk),
        "recipient": ("src.rid", []),
        "purpose": db_value(Delivery, "purpose", purpose),
        "round": db_value(Delivery, "round", round),
        "created_at": db_value(Delivery, "created_at", now),
        **extra,
    }


def _inbox(notice: Notice, recipients, purpose: str, round: int, now) -> int:
    """The inbox deliveries of ``recipients``, delivered now; how many."""
    rows = recipients.order_by().values(rid=F("pk"))
    values = _delivery_values(
        notice,
        purpose,
        round,
        now,
        channel=db_value(Delivery, "channel", Channel.INBOX),
        state=db_value(Delivery, "state", Delivery.State.DELIVERED),
        sent_at=db_value(Delivery, "sent_at", now),
        delivered_at=db_value(Delivery, "delivered_at", now),
    )
    return insert_select(Delivery, values, rows)


def _other_channels(notice: Notice, recipients, purpose: str, round: int, now) -> None:
    """E-mail and SMS deliveries of ``recipients`` where the notice asks for them and the
    person has the address and did not say no (ChannelPreference defaults: SMS on, e-mail
    off); waiting for the dispatcher, held until morning in quiet hours unless urgent."""
    not_before = next_allowed(now, notice.urgent)
    state = Delivery.State.HELD if not_before > now else Delivery.State.PENDING
    prefs = ChannelPreference.objects.filter(user=OuterRef("user_id"))
    wanted = {
        Channel.EMAIL: ("user__email", Q(Exists(prefs.filter(email=True)))),
        Channel.SMS: ("user__phone", ~Q(Exists(prefs.filter(sms=False)))),
    }
    for channel, (address, chose) in wanted.items():
        if channel not in notice.channels:
            continue
        rows = (
            recipients.exclude(**{address: ""})
            .filter(chose)
            .order_by()
            .values(rid=F("pk"), addr=F(address))
        )
        values = _delivery_values(
            notice,
            purpose,
            round,
            now,
            channel=db_value(Delivery, "channel", channel),
            address=("src.addr", []),
            state=db_value(Delivery, "state", state),
            not_before=db_value(Delivery, "not_before", not_before),
        )
        insert_select(Delivery, values, rows)


def freeze(notice_id: int) -> int:
    """Freeze the recipients of a notice that is sending and create their deliveries;
    then sent. Safe to run again, beside itself or after a crash; returns the recipients
    this run added."""
    notice = Notice.objects.select_related("org_unit").filter(pk=notice_id).first()
    if notice is None or notice.state != Notice.State.SENDING:
        return 0
    links = _guardian_links(notice.audience)
    staff = audiences.staff_ids(notice.audience)
    everyone = list(
        User.objects.filter(_people_q(links, staff)).order_by("pk").values_list("pk", flat=True)
    )
    size = batch_size()
    added = 0
    with translation.override(settings.LANGUAGE_CODE):
        for start_at in range(0, len(everyone), size):
            batch = everyone[start_at : start_at + size]
            count = _freeze_batch(notice, batch[0], batch[-1], links, staff)
            if count < 0:
                return added
            added += count
    finished = Notice.objects.filter(pk=notice_id, state=Notice.State.SENDING).update(
        state=Notice.State.SENT, sent_at=timezone.now()
    )
    if finished:
        log.info("notice %s sent to %d people", notice_id, len(everyone))
    return added


def has_due(notice_id: int) -> bool:
    """Whether e-mail or SMS of the notice wait to be handed over now."""
    return Delivery.objects.filter(
        notice_id=notice_id, state=Delivery.State.PENDING, not_before__lte=timezone.now()
    ).exists()


# --- reminders and the withdrawal message ------------------------------------------------------


def outstanding(notice: Notice):
    """Recipients who have not done what the notice asks (read, confirm or reply)."""
    field = reports.outstanding_field(notice)
    return Recipient.objects.filter(notice=notice, **{f"{field}__isnull": True})


def fan_out(notice_id: int, purpose: str, round: int = 0) -> int:
    """A reminder (round ``round``) to those who have not answered, or the withdrawal
    message to those who received the notice, on the channels they got it on. Idempotent:
    a recipient who has the delivery of this purpose and round gets nothing more."""
    notice = Notice.objects.select_related("org_unit").filter(pk=notice_id).first()
    if notice is None:
        return 0
    withdrawal = purpose == Delivery.Purpose.WITHDRAWAL
    if withdrawal:
        expected, chosen = Notice.State.WITHDRAWN, Recipient.objects.filter(notice=notice)
    else:
        expected, chosen = Notice.State.SENT, outstanding(notice)
    with translation.override(settings.LANGUAGE_CODE):
        title = {"title": notice.title}
        subject = (_("Withdrawn: %(title)s") if withdrawal else _("Reminder: %(title)s")) % title
    ids = list(chosen.order_by("pk").values_list("pk", flat=True))
    added = 0
    for start_at in range(0, len(ids), batch_size()):
        batch = ids[start_at : start_at + batch_size()]
        with transaction.atomic():
            if _lock_sending(notice.pk) != expected:
                break
            done = set(
                Delivery.objects.filter(
                    notice=notice, purpose=purpose, round=round, recipient_id__in=batch
                ).values_list("recipient_id", flat=True)
            )
            new = [pk for pk in batch if pk not in done]
            received: dict[int, dict[str, str]] = defaultdict(dict)
            for recipient_id, channel, address in Delivery.objects.filter(
                notice=notice,
                purpose=Delivery.Purpose.NOTICE,
                recipient_id__in=new,
                state__in=RECEIVED,
            ).values_list("recipient_id", "channel", "address"):
                received[recipient_id][channel] = address
            new = [pk for pk in new if Channel.INBOX in received[pk]]
            if not new:
                continue
            now = timezone.now()
            users = dict(Recipient.objects.filter(pk__in=new).values_list("pk", "user_id"))
            addresses = {
                users[pk]: {ch: ad for ch, ad in received[pk].items() if ch != Channel.INBOX}
                for pk in new
            }
            Delivery.objects.bulk_create(
                _deliveries(
                    notice,
                    {users[pk]: pk for pk in new},
                    addresses,
                    purpose=purpose,
                    round=round,
                    now=now,
                ),
                batch_size=batch_size(),
                ignore_conflicts=True,
            )
            if purpose == Delivery.Purpose.REMINDER:
                Recipient.objects.filter(pk__in=new).update(
                    reminded_at=now, reminders=F("reminders") + 1
                )
            _notify_inbox(notice, User.objects.filter(pk__in=users.values()), subject)
            added += len(new)
    return added


# --- handing e-mail and SMS to the channels -------------------------------------------------


def _due() -> Q:
    """Waiting and due, or claimed by a worker that died: still "sending" NOTICE_STUCK_MINUTES
    after its claim. ``channels.send`` then finds out from ``handed_at`` whether the message
    already left (recorded as sent, never sent again) or not (sent now)."""
    now = timezone.now()
    waiting = Q(state__in=WAITING) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    stuck = now - datetime.timedelta(minutes=settings.NOTICE_STUCK_MINUTES)
    abandoned = Q(state=Delivery.State.SENDING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stuck)
    )
    return waiting | abandoned


def _claimable():
    # A notice withdrawn before its message left is not sent any more (its withdrawal
    # message is, having purpose "withdrawal").
    return (
        Delivery.objects.filter(_due())
        .exclude(channel=Channel.INBOX)
        .exclude(purpose=Delivery.Purpose.NOTICE, notice__state=Notice.State.WITHDRAWN)
        .order_by("not_before", "pk")
    )


def claim(limit: int) -> list[int]:
    """Claim up to ``limit`` due deliveries (→ sending, one more attempt); their ids. Rows
    another dispatcher holds are skipped, never claimed twice."""
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(
                _claimable()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:limit]
            )
            Delivery.objects.filter(pk__in=ids).update(
                state=Delivery.State.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
            )
        return ids
    claimed = []
    for pk in _claimable().values_list("pk", flat=True)[:limit]:
        # Without SKIP LOCKED (SQLite): each row by its own conditional UPDATE.
        if (
            Delivery.objects.filter(pk=pk)
            .filter(_due())
            .update(
                state=Delivery.State.SENDING,
                attempts=F("attempts") + 1,
                claimed_at=timezone.now(),
            )
        ):
            claimed.append(pk)
    return claimed


def dispatch(seconds: float | None = None) -> int:
    """Hand due e-mail and SMS deliveries to the channels, a batch at a time, for at most
    ``seconds`` (then the next beat goes on); the number handed over."""
    from edu_portal.messaging import channels

    budget = settings.NOTICE_DISPATCH_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + budget
    handed = 0
    while time.monotonic() < deadline:
        ids = claim(settings.NOTICE_DISPATCH_BATCH)
        if not ids:
            break
        for delivery in Delivery.objects.filter(pk__in=ids).select_related("notice", "recipient"):
            try:
                channels.send(delivery)
            except Exception:
                # The channel records expected failures itself; anything else must not
                # stop the rest of the batch. The row stays "sending" for the channel's
                # own recovery (it alone knows whether the gateway got it).
                log.exception("delivery %s: channel failed", delivery.pk)
            handed += 1
    return handed
