"""The PostgreSQL GIN index of the Chinese full-text search (nothing on SQLite).

The indexed expression is exactly the one inventory.search.services matches with, so the planner uses it.
"""

from django.db import migrations

INDEX = "inventory_searchdoc_tokens_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("inventory", "PatentSearchDocument")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (to_tsvector('simple'::regconfig, tokens))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_milestone_data")]

    operations = [migrations.RunPython(create_index, drop_index)]
