"""The index of the workbench's default order on PostgreSQL (SQLite cannot write NULLS FIRST in an index).

Newest grant first, empty dates last (`grant_date DESC NULLS LAST, id DESC`) is this index read
backwards: the first page of a large institution walks it instead of sorting 100,000 patents.
"""

from django.db import migrations


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS patent_grant_order ON inventory_patent (grant_date ASC NULLS FIRST, id ASC)"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS patent_grant_order")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_lean_record_indexes")]

    operations = [migrations.RunPython(create, drop)]
