"""ArticlePage.doc_kind: whether a document is a 规章 or a 行政规范性文件, counted in Table 二
of the annual report (issue 15, part J)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cms", "0006_sections")]

    operations = [
        migrations.AddField(
            model_name="articlepage",
            name="doc_kind",
            field=models.CharField(
                choices=[
                    ("other", "Other document"),
                    ("regulation", "Rule (规章)"),
                    ("normative", "Normative document (行政规范性文件)"),
                ],
                default="other",
                max_length=16,
                verbose_name="kind of document",
            ),
        ),
    ]
