"""Telling authors where their article stands, through the site's notification centre
(``edu_portal.notifications``: the bell, the notifications page, e-mail for those who chose
it). Called after commit only (the workflow's ``transitioned`` signal,
``actions.publish_issue``'s on_commit), so nobody is told about a step that rolled back."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ebooks.periodicals.models import Article, Issue
from edu_portal.notifications import actions as notifications
from edu_portal.notifications.models import Category, Notification


def notify(recipient, subject: str, body: str = "", link: str = "", *, target=None) -> Notification:
    return notifications.notify(
        recipient, subject, body, link, category=Category.PERIODICAL, target=target
    )


def _message(action: str, article: Article, comment: str) -> tuple[str, str] | None:
    title, name = article.title, article.periodical.name
    if action == "submit":
        return (
            _("We received your article “%(title)s”") % {"title": title},
            _(
                "Thank you. The editors of %(periodical)s will review “%(title)s” and "
                "you will be told of their decision here."
            )
            % {"periodical": name, "title": title},
        )
    if action == "request_changes":
        return (
            _("Please revise your article “%(title)s”") % {"title": title},
            _(
                "The editors of %(periodical)s ask for revisions:\n\n%(comment)s\n\n"
                "Edit the article and submit it again."
            )
            % {"periodical": name, "comment": comment},
        )
    if action == "decline":
        return (
            _("Your article “%(title)s” was declined") % {"title": title},
            _("The editors of %(periodical)s have declined it:\n\n%(comment)s")
            % {"periodical": name, "comment": comment},
        )
    if action == "approve":
        body = _(
            "The editors of %(periodical)s accepted “%(title)s”. It will appear in a "
            "coming issue; you will be told which one."
        ) % {"periodical": name, "title": title}
        if comment:
            body = f"{body}\n\n{comment}"
        return _("Your article “%(title)s” was accepted") % {"title": title}, body
    if action == "withdraw":
        body = _("“%(title)s” was withdrawn from %(periodical)s.") % {
            "periodical": name,
            "title": title,
        }
        if comment:
            body = f"{body}\n\n{comment}"
        return _("Your article “%(title)s” was withdrawn") % {"title": title}, body
    return None  # reopening is the author's own step


def on_transition(sender, instance: Article, action: str, comment: str = "", **kwargs) -> None:
    """Receiver of ``workflow.signals.transitioned`` for articles."""
    with translation.override(settings.LANGUAGE_CODE):
        message = _message(action, instance, comment)
        if message is not None:
            notify(instance.author, *message, link=instance.get_absolute_url(), target=instance)


def issue_published(issue: Issue) -> None:
    """Tell each author of the issue that their article appeared in it."""
    with translation.override(settings.LANGUAGE_CODE):
        for article in issue.toc():
            notify(
                article.author,
                _("Your article “%(title)s” appeared in %(issue)s")
                % {"title": article.title, "issue": str(issue)},
                _("%(issue)s is published; your article is in it.") % {"issue": str(issue)},
                link=article.get_absolute_url(),
                target=article,
            )
