"""The portal's column tree (edu_portal.cms.structure): the home page replaces Wagtail's
"Welcome" placeholder as the default site's root, with the bureau's columns below it."""

from django.db import migrations


def create_structure(apps, schema_editor):
    from edu_portal.cms.structure import ensure_structure

    ensure_structure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    # Going back leaves the pages: they may hold editors' work by then.
    operations = [migrations.RunPython(create_structure, migrations.RunPython.noop)]
