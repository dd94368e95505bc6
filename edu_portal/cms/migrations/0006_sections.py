# Part F (机关处室, 办事指南, school sites): the 学校风采 list page; a department page outlives
# its unit (taken offline, not blocking the org tree); a school's host name is unique.

import django.db.models.deletion
import wagtail.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_orgunit_address_head"),
        ("cms", "0005_rights_review"),
        ("wagtailcore", "0098_apitoken"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SchoolIndexPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                ("intro", wagtail.fields.RichTextField(blank=True, verbose_name="introduction")),
            ],
            options={
                "verbose_name": "school sites",
                "verbose_name_plural": "school site lists",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.AlterField(
            model_name="departmentpage",
            name="unit",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="cms_department_page",
                to="accounts.orgunit",
                verbose_name="department",
            ),
        ),
        migrations.AlterField(
            model_name="schoolsitepage",
            name="hostname",
            field=models.CharField(
                blank=True,
                help_text=(
                    "For example www.school.example.cn. The site then also answers at that "
                    "address (the server must be set up to accept it: ALLOWED_HOSTS). Leave "
                    "empty for none."
                ),
                max_length=253,
                verbose_name="own host name",
            ),
        ),
        migrations.AddConstraint(
            model_name="schoolsitepage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("hostname", ""), _negated=True),
                fields=("hostname",),
                name="cms_school_site_unique_hostname",
                violation_error_message="Another school's site already uses this host name.",
            ),
        ),
    ]
