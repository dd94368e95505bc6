"""The 互动交流 column (局长信箱, consultations, 热点问答), added to the structure after the
first release of the tree: ``ensure_structure`` creates only what is missing."""

from django.db import migrations


def add_missing_columns(apps, schema_editor):
    from edu_portal.cms.structure import ensure_structure

    ensure_structure(apps)


class Migration(migrations.Migration):
    dependencies = [("cms", "0008_search_title_tsv")]

    operations = [migrations.RunPython(add_missing_columns, migrations.RunPython.noop)]
