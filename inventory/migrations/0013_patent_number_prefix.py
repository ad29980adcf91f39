"""The index of a search by application number (inventory.search.services.number_match).

A number or its first digits is matched as `application_number LIKE 'CN2013%'`. The unique index
on the number serves such a prefix only under the C collation; under any other (zh_CN.UTF-8,
en_US.UTF-8) PostgreSQL needs an index in the pattern operator class, or it reads all 1.5 million
patents. SQLite matches a range of its unique index instead and needs nothing more.
"""

from django.db import migrations

INDEX = "patent_number_prefix"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON inventory_patent (application_number varchar_pattern_ops)"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0012_concordance_batches")]

    operations = [migrations.RunPython(create, drop)]
