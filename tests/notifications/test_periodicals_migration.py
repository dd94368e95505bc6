"""The periodicals' own notifications move into the centre: a data migration copies them
(before the old table is dropped), and going back copies them out again."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from edu_portal.accounts.roles import Role
from tests.people import make_user

BEFORE = [("periodicals", "0001_periodicals"), ("notifications", "0002_notification_subject_label")]
AFTER = [("periodicals", "0003_delete_old_notifications")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def article(department, school):
    from ebooks.periodicals.models import Article, Periodical

    journal = Periodical.objects.create(
        slug="jy", name="教育研究", frequency="monthly", editor_unit=department
    )
    author = make_user("author_ma", Role.TEACHER, school)
    return Article.objects.create(periodical=journal, author=author, title="作文教学")


@pytest.mark.django_db(transaction=True)
def test_old_rows_are_copied_into_the_centre_and_back(article):
    from ebooks.periodicals.models import Article
    from edu_portal.notifications.models import Notification

    leaf = [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes()]
    try:
        old_apps = _migrate(BEFORE)
        Old = old_apps.get_model("periodicals", "Notification")
        read = timezone.now() - datetime.timedelta(days=1)
        created = timezone.now() - datetime.timedelta(days=3)
        Old.objects.create(
            recipient_id=article.author_id,
            subject="We received your article “作文教学”",
            body="Thank you.",
            link=f"/periodicals/articles/{article.pk}/",
            created_at=created,
            read_at=read,
        )
        Old.objects.create(
            recipient_id=article.author_id, subject="outside", link="https://evil.example/"
        )

        _migrate(AFTER)
        copied = {note.subject: note for note in Notification.objects.all()}
        assert set(copied) == {"We received your article “作文教学”", "outside"}
        received = copied["We received your article “作文教学”"]
        assert received.category == "periodical" and received.recipient_id == article.author_id
        assert (received.created_at, received.read_at) == (created, read)
        assert received.target == Article.objects.get(pk=article.pk)
        assert received.emailed_at is not None  # never mailed again by the centre
        assert copied["outside"].link == "" and copied["outside"].target_id is None

        old_apps = _migrate(BEFORE)
        Old = old_apps.get_model("periodicals", "Notification")
        assert sorted(Old.objects.values_list("subject", flat=True)) == [
            "We received your article “作文教学”",
            "outside",
        ]
        assert not Notification.objects.filter(category="periodical").exists()
    finally:
        _migrate(leaf)
