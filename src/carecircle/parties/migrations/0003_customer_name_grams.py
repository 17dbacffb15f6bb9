"""Chinese-capable "name contains" index on PostgreSQL; nothing on SQLite.

pg_trgm builds trigrams only from characters the database's ctype calls alphanumeric, and under
the common ``C.UTF-8`` ctype that excludes CJK, so ``customer_name_trgm`` (0002) never served a
Chinese name (measured: 309 ms p95 at 1M customers, a filtered primary-key scan). This replaces
it with an expression GIN index over the name's distinct characters and character pairs
(``cc_name_grams``), which needs no locale and no extension: a query of two or more characters
asks for all of its pairs (``@>``), a one-character query for that character, and ``LIKE``
re-checks the order (parties/selectors.py). The same approach as pg_bigm, in plain SQL.
"""

from django.db import migrations

GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION cc_name_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
    UNION ALL
    SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
  ) AS grams
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GRAMS_FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_name_grams ON parties_customer "
        "USING gin (cc_name_grams(name))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS customer_name_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customer_name_grams")
    schema_editor.execute("DROP FUNCTION IF EXISTS cc_name_grams(text)")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_name_trgm ON parties_customer "
        "USING gin (name gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_customer_name_trigram")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
