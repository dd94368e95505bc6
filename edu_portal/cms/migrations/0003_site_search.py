"""The site search's index table (cms/models/search.py) and its full-text part, made as the
catalog's ``0005_search_index`` makes its own: on PostgreSQL a tsvector filled from
``tokens`` by a trigger (the tokens taken verbatim as lexemes, then emptied from the row)
with a GIN index; on SQLite an FTS5 table kept in step by triggers. Beware: on SQLite a
later AlterField on SiteSearchEntry remakes the table and drops the triggers; such a
migration must run ``sqlite_forwards`` again.

Numbered 0003 with 0001 as its only parent so that it does not collide with the other
portal parts' migrations written at the same time; whoever merges them orders the graph.
"""

# Table names are constants of this file, not input.
# ruff: noqa: S608

from django.db import migrations, models

TABLE = "cms_sitesearchentry"
FTS = f"{TABLE}_fts"

POSTGRESQL_FORWARDS = [
    f"ALTER TABLE {TABLE} ADD COLUMN tsv tsvector NOT NULL DEFAULT ''",
    f"""CREATE FUNCTION {TABLE}_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.tsv := array_to_tsvector(array_remove(string_to_array(NEW.tokens, ' '), ''));
            NEW.tokens := '';
            RETURN NEW;
        END $$""",
    f"""CREATE TRIGGER {TABLE}_tsv BEFORE INSERT OR UPDATE OF tokens ON {TABLE}
        FOR EACH ROW WHEN (NEW.tokens <> '') EXECUTE FUNCTION {TABLE}_tsv()""",
    f"CREATE INDEX cms_site_search_tsv ON {TABLE} USING gin (tsv)",
]
POSTGRESQL_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {TABLE}_tsv ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_tsv()",
    "DROP INDEX IF EXISTS cms_site_search_tsv",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS tsv",
]
SQLITE_FORWARDS = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(tokens, tokenize = 'unicode61')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, tokens) VALUES (new.id, new.tokens); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE ON {TABLE} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id;
        INSERT INTO {FTS}(rowid, tokens) VALUES (new.id, new.tokens); END""",
    f"DELETE FROM {FTS}",
    f"INSERT INTO {FTS}(rowid, tokens) SELECT id, tokens FROM {TABLE}",
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return run


forwards = _run({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS})
backwards = _run({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS})
sqlite_forwards = _run({"sqlite": SQLITE_FORWARDS})


class Migration(migrations.Migration):
    dependencies = [("cms", "0002_site_structure")]

    operations = [
        migrations.CreateModel(
            name="SiteSearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("type", models.CharField(max_length=16)),
                ("object_id", models.BigIntegerField()),
                ("title", models.CharField(max_length=255)),
                ("body", models.TextField(blank=True)),
                ("tokens", models.TextField(blank=True)),
                ("title_pinyin", models.TextField(blank=True)),
                ("url", models.CharField(max_length=500)),
                ("published", models.DateTimeField(null=True)),
                ("visibility", models.CharField(max_length=16)),
            ],
            options={
                "verbose_name": "site search entry",
                "indexes": [models.Index(fields=["-published"], name="cms_site_search_published")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("type", "object_id"), name="cms_site_search_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
