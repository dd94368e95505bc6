"""Letters in the portal: published answers (热点问答) in the site search, and the
inspection's rule "valid letters left unanswered for more than 90 days" (a veto item).
Registered from ``InteractionConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from edu_portal.cms import inspection
from edu_portal.cms.search import Entry, register
from edu_portal.cms.search.signals import request_update
from edu_portal.interaction.deadlines import unanswered_for
from edu_portal.interaction.models import Letter

SEARCH_TYPE = "letter"
UNANSWERED_DAYS = 90
_FIELDS = ("pk", "kind", "public_subject", "public_question", "public_answer", "published_at")


def _entry(letter: Letter) -> Entry:
    # Only the published, scrubbed texts: never the writer's name, phone, e-mail or body.
    return Entry(
        type=SEARCH_TYPE,
        object_id=letter.pk,
        title=letter.public_subject,
        text=f"{letter.public_subject}\n{letter.public_question}\n{letter.public_answer}",
        url=reverse("interaction:answer", args=[letter.pk]),
        published=letter.published_at,
    )


def _published():
    return Letter.objects.filter(published_at__isnull=False).only(*_FIELDS).order_by("pk")


class AnswerProvider:
    def entry_for(self, object_id: int) -> Entry | None:
        letter = _published().filter(pk=object_id).first()
        return _entry(letter) if letter else None

    def iter_entries(self, batch_size: int = 500) -> Iterator[list[Entry]]:
        last = 0
        while True:
            batch = list(_published().filter(pk__gt=last)[:batch_size])
            if not batch:
                return
            yield [_entry(letter) for letter in batch]
            last = batch[-1].pk


def published(letter: Letter) -> None:
    """Index (or remove) the letter's answer once the transaction commits."""
    request_update([(SEARCH_TYPE, letter.pk)])


def unanswered(ctx: inspection.Context) -> inspection.Finding:
    late = list(unanswered_for(UNANSWERED_DAYS, ctx.today).order_by("received_on")[:200])
    items = [
        inspection.Entry(
            title=str(letter),
            url=reverse("interaction:letter", args=[letter.pk]),
            admin_url=reverse("interaction:letter", args=[letter.pk]),
            date=letter.received_on.isoformat(),
            note=letter.get_state_display(),
        )
        for letter in late
    ]
    if items:
        summary = ngettext(
            "%(count)d letter has had no answer for more than %(days)d days.",
            "%(count)d letters have had no answer for more than %(days)d days.",
            len(items),
        ) % {"count": len(items), "days": UNANSWERED_DAYS}
    else:
        summary = _("Every letter was answered within %(days)d days.") % {"days": UNANSWERED_DAYS}
    return inspection.Finding(
        "letters_unanswered",
        _("Letters answered within 90 days"),
        True,
        bool(items),
        summary,
        items=items,
    )


def connect() -> None:
    register(SEARCH_TYPE, gettext_lazy("Answered letters"), AnswerProvider())
    inspection.register_rule("letters_unanswered", unanswered)


def offer_in_columns() -> None:
    """Interactive columns of the portal (kind ``interactive``, e.g. 互动交流) offer the
    letter form for each kind, the published answers and the look-up."""
    from edu_portal.cms import column_links

    def links() -> list[column_links.ColumnLink]:
        write = reverse("interaction:write")
        return [
            column_links.ColumnLink(
                _("Write to the director"), f"{write}?kind=mailbox", primary=True
            ),
            column_links.ColumnLink(_("Ask a question"), f"{write}?kind=consultation"),
            column_links.ColumnLink(_("Questions and answers"), reverse("interaction:answers")),
            column_links.ColumnLink(_("Look up a letter"), reverse("interaction:lookup")),
        ]

    column_links.register(lambda column: getattr(column, "kind", "") == "interactive", links)
