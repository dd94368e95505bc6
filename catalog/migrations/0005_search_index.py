"""The database search backend's index (catalog/search/models.py) and its full-text part.

The full-text part depends on the database and is not a model field: on PostgreSQL a
tsvector made from ``tokens`` by a trigger (taken verbatim as lexemes, so PostgreSQL's
parser never splits or stems the CJK bigrams) with a GIN index; on SQLite an FTS5 table kept in step by
triggers. Beware: on SQLite, a later AlterField on SearchEntry remakes the table and drops
the triggers; such a migration must run ``sqlite_forwards`` again.
"""

# Table names are constants of this file, not input.
# ruff: noqa: S608

import django.db.models.deletion
from django.db import migrations, models

TABLE = "catalog_searchentry"
FTS = f"{TABLE}_fts"

POSTGRESQL_FORWARDS = [
    f"ALTER TABLE {TABLE} ADD COLUMN tsv tsvector NOT NULL DEFAULT ''",
    # The tokens become the tsvector and are then dropped from the row: broad queries read
    # tens of thousands of rows, so every byte kept out of them counts. An UPDATE that does
    # not bring new tokens (Django saves the emptied column back) leaves tsv alone.
    f"""CREATE FUNCTION {TABLE}_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.tsv := array_to_tsvector(array_remove(string_to_array(NEW.tokens, ' '), ''));
            NEW.tokens := '';
            RETURN NEW;
        END $$""",
    f"""CREATE TRIGGER {TABLE}_tsv BEFORE INSERT OR UPDATE OF tokens ON {TABLE}
        FOR EACH ROW WHEN (NEW.tokens <> '') EXECUTE FUNCTION {TABLE}_tsv()""",
    f"CREATE INDEX search_tsv_idx ON {TABLE} USING gin (tsv)",
]
POSTGRESQL_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {TABLE}_tsv ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_tsv()",
    "DROP INDEX IF EXISTS search_tsv_idx",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS tsv",
]
SQLITE_FORWARDS = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(tokens, tokenize = 'unicode61')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, tokens) VALUES (new.resource_id, new.tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.resource_id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE ON {TABLE} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.resource_id;
        INSERT INTO {FTS}(rowid, tokens) VALUES (new.resource_id, new.tokens); END""",
    # Rows present before the triggers existed (re-running after a table remake).
    f"DELETE FROM {FTS}",
    f"INSERT INTO {FTS}(rowid, tokens) SELECT resource_id, tokens FROM {TABLE}",
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if statements.get(vendor):
            for sql in statements[vendor]:
                schema_editor.execute(sql)

    return run


forwards = _run({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS})
backwards = _run({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS})
sqlite_forwards = _run({"sqlite": SQLITE_FORWARDS})


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_seed_taxonomy"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "resource",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="catalog.resource",
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True)),
                ("tokens", models.TextField(blank=True)),
                ("title_pinyin", models.TextField(blank=True)),
                ("kind", models.CharField(max_length=16)),
                ("visibility", models.CharField(max_length=16)),
                ("stage", models.CharField(blank=True, max_length=10)),
                ("grade", models.CharField(blank=True, max_length=2)),
                ("subject", models.CharField(blank=True, max_length=40)),
                ("edition", models.CharField(blank=True, max_length=40)),
                ("collection", models.CharField(blank=True, max_length=40)),
                ("textbook_path", models.CharField(blank=True, max_length=255)),
                ("published_at", models.DateTimeField(null=True)),
                ("download_count", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "search entry",
                "indexes": [
                    models.Index(fields=["-published_at"], name="search_published_idx"),
                    models.Index(fields=["-download_count"], name="search_downloads_idx"),
                    models.Index(fields=["textbook_path"], name="search_textbook_path_idx"),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
