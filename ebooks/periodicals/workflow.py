"""Periodical articles in the review workflow, and who may do what to periodicals.

Authors (teachers with ``content.submit``) submit and revise their own articles. Editors
of a periodical hold ``content.review`` at its editorial unit or above it (request
revisions, decline) and ``content.publish`` there (accept, make and publish issues).
Nobody decides on their own article, except a bureau administrator. Accepting moves the
article to the workflow's ``published`` state; readers still see it only in a published
issue (``Article.is_public``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ebooks.periodicals.models import Article, Periodical
from edu_portal.accounts.permissions import has_perm, is_bureau_admin, perm_paths
from edu_portal.workflow import registry
from edu_portal.workflow.models import State


def signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_submit_to(user, periodical: Periodical) -> bool:
    return signed_in(user) and has_perm(user, "content.submit")


def is_editor(user, periodical: Periodical) -> bool:
    """May make, fill and publish the periodical's issues."""
    return signed_in(user) and (
        is_bureau_admin(user) or has_perm(user, "content.publish", periodical.editor_unit)
    )


def is_author(user, article: Article) -> bool:
    return signed_in(user) and article.author_id == user.pk


class ArticlePolicy(registry.Policy):
    def may_manage(self, user, obj: Article) -> bool:
        return is_author(user, obj) or (signed_in(user) and is_bureau_admin(user))

    def may_submit(self, user, obj: Article) -> bool:
        return self.may_manage(user, obj) and has_perm(user, "content.submit")

    def may_review(self, user, obj: Article) -> bool:
        if not signed_in(user):
            return False
        if is_bureau_admin(user):
            return True
        if is_author(user, obj):
            return False
        return has_perm(user, "content.review", obj.periodical.editor_unit)

    def may_publish(self, user, obj: Article) -> bool:
        return self.may_review(user, obj) and (
            is_bureau_admin(user) or has_perm(user, "content.publish", obj.periodical.editor_unit)
        )

    def may_decline(self, user, obj: Article) -> bool:
        return self.may_review(user, obj)

    def may_withdraw(self, user, obj: Article) -> bool:
        # The author pulls back an article still in review; editors take down an accepted one.
        if obj.state == State.IN_REVIEW and self.may_manage(user, obj):
            return True
        return self.may_review(user, obj)

    def may_view(self, user, obj: Article) -> bool:
        return obj.is_public or self.may_manage(user, obj) or self.may_review(user, obj)

    def is_reviewer(self, user) -> bool:
        return signed_in(user) and (is_bureau_admin(user) or has_perm(user, "content.review"))

    def review_queryset(self, user) -> QuerySet:
        queryset = Article.objects.filter(state=State.IN_REVIEW).select_related(
            "author__org_unit", "periodical__editor_unit"
        )
        if is_bureau_admin(user):
            return queryset
        paths = perm_paths(user, "content.review")
        if not paths:
            return queryset.none()
        scope = Q()
        for path in paths:
            scope |= Q(periodical__editor_unit__path__startswith=path)
        return queryset.filter(scope).exclude(author_id=user.pk)

    def own_queryset(self, user) -> QuerySet:
        return (
            Article.objects.filter(author_id=user.pk)
            .exclude(state=State.PUBLISHED)
            .select_related("author__org_unit", "periodical__editor_unit")
        )

    def label(self, obj: Article) -> str:
        return obj.title

    def kind_label(self, obj: Article) -> str:
        return f"{Article._meta.verbose_name} · {obj.periodical.name}"

    def url(self, obj: Article) -> str:
        return obj.get_absolute_url()

    def owner(self, obj: Article):
        return obj.author

    def org_unit(self, obj: Article):
        return obj.author.org_unit

    def review_unit(self, obj: Article):
        return obj.periodical.editor_unit


def register() -> None:
    registry.register(Article, ArticlePolicy())
