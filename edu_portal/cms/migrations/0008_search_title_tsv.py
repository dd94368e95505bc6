"""The title's own full-text column for the site search on PostgreSQL: ``title_tsv``, the
title's lexemes (CJK unigrams and bigrams, Latin words: the tokens ``catalog/search/text.py``
makes, computed in SQL from the title) with a GIN index, filled by a trigger as ``tsv`` is
(0003_site_search), plus an index in the order the hits are listed.

Why: the page of hits lists title matches first, then the rest, newest first. Sorting every
match by a title score read all matching rows (half the table for 教学). With these, the
backend (cms/search/database.py) asks for the title matches and the body-only matches as two
statements in ``published`` order with a LIMIT: PostgreSQL walks the recency index and stops
after one page for common words, or reads the GIN index for rare ones.

The lexemes come from the title in SQL rather than from Python so that every writer of the
table (bulk_create, updates, rows indexed before this migration) gets them without a
change to ``tokens``. Only the CJK lexemes are relied upon (a title containing a CJK term
contains its bigrams); the Latin words are there for completeness. SQLite is unchanged.

``title_tsv`` also holds the row's type as the lexeme ``type:<name>`` (no text token has a
colon): a type facet then narrows a GIN lookup instead of filtering fetched rows, and
PostgreSQL's estimates, which assume words and types independent (教学 is in resources'
titles, not articles'), no longer decide how many rows are read.
"""

# Table names are constants of this file, not input.
# ruff: noqa: S608

from django.db import migrations

TABLE = "cms_sitesearchentry"
# The CJK ranges of catalog/search/text.py (_CJK), in PostgreSQL's regular-expression escapes.
CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"

POSTGRESQL_FORWARDS = [
    f"ALTER TABLE {TABLE} ADD COLUMN title_tsv tsvector NOT NULL DEFAULT ''",
    # text.py: NFKC, then lower case; each CJK run's characters and bigrams; words up to 40.
    f"""CREATE FUNCTION {TABLE}_title_lexemes(title text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_to_tsvector(array_agg(DISTINCT token)), ''::tsvector) FROM (
            SELECT substr(run.m[1], i, n) AS token
            FROM regexp_matches(lower(normalize(title, NFKC)), '[{CJK}]+', 'g') AS run(m),
                 generate_series(1, char_length(run.m[1])) AS i,
                 (VALUES (1), (2)) AS width(n)
            WHERE i + n - 1 <= char_length(run.m[1])
            UNION ALL
            SELECT word.m[1]
            FROM regexp_matches(lower(normalize(title, NFKC)), '([0-9a-z]+)', 'g') AS word(m)
            WHERE char_length(word.m[1]) <= 40
        ) AS tokens $$""",
    f"""CREATE FUNCTION {TABLE}_title_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.title_tsv := {TABLE}_title_lexemes(NEW.title)
                || array_to_tsvector(ARRAY['type:' || NEW.type]);
            RETURN NEW;
        END $$""",
    f"""CREATE TRIGGER {TABLE}_title_tsv BEFORE INSERT OR UPDATE OF title, type ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_title_tsv()""",
    f"""UPDATE {TABLE} SET title_tsv = {TABLE}_title_lexemes(title)
        || array_to_tsvector(ARRAY['type:' || type])""",
    f"CREATE INDEX cms_site_search_title_tsv ON {TABLE} USING gin (title_tsv)",
    # The hits' order (published DESC NULLS LAST, id DESC); 0003's index on published alone
    # sorts NULLs first, so it cannot serve that order without a sort.
    f"CREATE INDEX cms_site_search_recent ON {TABLE} (published DESC NULLS LAST, id DESC)",
    f"ANALYZE {TABLE}",
]
POSTGRESQL_BACKWARDS = [
    "DROP INDEX IF EXISTS cms_site_search_recent",
    "DROP INDEX IF EXISTS cms_site_search_title_tsv",
    f"DROP TRIGGER IF EXISTS {TABLE}_title_tsv ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_title_tsv()",
    f"DROP FUNCTION IF EXISTS {TABLE}_title_lexemes(text)",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS title_tsv",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cms", "0007_article_doc_kind")]

    operations = [
        migrations.RunPython(_run(POSTGRESQL_FORWARDS), _run(POSTGRESQL_BACKWARDS), elidable=False),
    ]
