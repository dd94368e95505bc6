# The platform's approval task in Wagtail's workflow engine, the queue's view of its task
# states, and the record of the Wagtail groups the platform keeps (edu_portal.cms.rights).

import django.db.models.deletion
from django.db import migrations, models

import edu_portal.cms.models.review


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cms", "0004_document_previews"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlatformApprovalTask",
            fields=[
                (
                    "task_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="wagtailcore.task",
                    ),
                ),
            ],
            options={
                "verbose_name": "Approval by the platform's reviewers",
                "verbose_name_plural": "Approvals by the platform's reviewers",
            },
            bases=("wagtailcore.task",),
        ),
        migrations.CreateModel(
            name="PageReview",
            fields=[],
            options={
                "verbose_name": "portal page",
                "verbose_name_plural": "portal pages",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("wagtailcore.taskstate",),
            managers=[
                ("objects", edu_portal.cms.models.review.PageReviewManager()),
            ],
        ),
        migrations.CreateModel(
            name="ManagedGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=60, unique=True, verbose_name="key")),
                (
                    "group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cms_managed",
                        to="auth.group",
                        verbose_name="group",
                    ),
                ),
            ],
            options={
                "verbose_name": "platform-managed group",
                "verbose_name_plural": "platform-managed groups",
            },
        ),
    ]
