"""Copy the periodical notifications into the site's notification centre (category
"periodical"); the next migration drops the old table. Reversible: going back copies the
centre's periodical notifications into the old table again."""

import re

from django.db import migrations

ARTICLE_LINK = re.compile(r"^/periodicals/articles/(\d+)/$")
BATCH = 1000


def _site_relative(link: str) -> str:
    # The centre's page redirects to links; only paths on this site are kept.
    if link.startswith("/") and not link.startswith(("//", "/\\")) and link.isprintable():
        return link
    return ""


def forwards(apps, schema_editor):
    Old = apps.get_model("periodicals", "Notification")
    New = apps.get_model("notifications", "Notification")
    Article = apps.get_model("periodicals", "Article")
    ContentType = apps.get_model("contenttypes", "ContentType")
    article_type, _ = ContentType.objects.get_or_create(app_label="periodicals", model="article")
    articles = set(Article.objects.values_list("pk", flat=True))
    rows = []
    for old in Old.objects.order_by("pk").iterator(chunk_size=BATCH):
        link = _site_relative(old.link)
        match = ARTICLE_LINK.match(link)
        article_id = int(match[1]) if match and int(match[1]) in articles else None
        rows.append(
            New(
                recipient_id=old.recipient_id,
                category="periodical",
                subject=old.subject,
                body=old.body,
                link=link,
                target_type=article_type if article_id else None,
                target_id=article_id,
                created_at=old.created_at,
                read_at=old.read_at,
                # The old code mailed (or could not mail) when it stored the row: never again.
                emailed_at=old.created_at,
            )
        )
        if len(rows) >= BATCH:
            New.objects.bulk_create(rows)
            rows = []
    New.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    Old = apps.get_model("periodicals", "Notification")
    New = apps.get_model("notifications", "Notification")
    notes = New.objects.filter(category="periodical").order_by("pk")
    Old.objects.bulk_create(
        Old(
            recipient_id=note.recipient_id,
            subject=note.subject,
            body=note.body,
            link=note.link,
            created_at=note.created_at,
            read_at=note.read_at,
        )
        for note in notes.iterator(chunk_size=BATCH)
    )
    notes.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0002_notification_subject_label"),
        ("periodicals", "0001_periodicals"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
