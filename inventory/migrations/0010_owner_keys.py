"""The owner in the workbench's remaining slow filters (bench/bench_workbench.py, 1.5 million patents).

* PatentOwnership.main_ipc repeats the patent's main IPC (kept by the base-library import like
  grant_date), with a PostgreSQL index (organization, main_ipc) for prefix matches: an IPC filter
  no longer probes a patent row for each ownership it walks (345 ms for G06F), and its count
  reads the index alone.
* On PostgreSQL the search document carries its patent's owner organisations (owner_ids), and the
  GIN index becomes (owner_ids, search_vector): an institution's keyword filter is answered inside
  the index (the intersection of its ownerships and the words) instead of reading every national
  match (62,000 documents for 图像识别, 1 s). Statement-level triggers on the ownership table keep
  owner_ids exact whatever writes ownerships; a new document takes them when it is written.
"""

from django.db import migrations, models

OLD_SEARCH_INDEX = "inventory_searchdoc_vector_gin"
SEARCH_INDEX = "inventory_searchdoc_owner_vector_gin"
IPC_INDEX = "ownership_main_ipc_prefix"

OWNERS_OF = (
    "COALESCE((SELECT array_agg(o.organization_id ORDER BY o.organization_id) FROM inventory_patentownership AS o "
    "WHERE o.patent_id = d.patent_id), '{}')"
)

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION inventory_refresh_document_owners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inventory_patentsearchdocument AS d SET owner_ids = {OWNERS_OF}
    WHERE d.patent_id IN (SELECT patent_id FROM changed_ownerships);
    RETURN NULL;
END $$;
CREATE TRIGGER ownership_added_owners AFTER INSERT ON inventory_patentownership
    REFERENCING NEW TABLE AS changed_ownerships FOR EACH STATEMENT EXECUTE FUNCTION inventory_refresh_document_owners();
CREATE TRIGGER ownership_removed_owners AFTER DELETE ON inventory_patentownership
    REFERENCING OLD TABLE AS changed_ownerships FOR EACH STATEMENT EXECUTE FUNCTION inventory_refresh_document_owners();
"""


def forwards(apps, schema_editor) -> None:
    ownership = apps.get_model("inventory", "PatentOwnership")
    patent = apps.get_model("inventory", "Patent")
    if schema_editor.connection.vendor != "postgresql":
        same = patent.objects.filter(pk=models.OuterRef("patent_id"))
        ownership.objects.update(main_ipc=models.Subquery(same.values("main_ipc")[:1]))
        return
    schema_editor.execute(
        "UPDATE inventory_patentownership AS o SET main_ipc = p.main_ipc FROM inventory_patent AS p "
        "WHERE p.id = o.patent_id AND p.main_ipc <> ''"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {IPC_INDEX} ON inventory_patentownership (organization_id, main_ipc varchar_pattern_ops)"
    )
    schema_editor.execute(
        "ALTER TABLE inventory_patentsearchdocument ADD COLUMN IF NOT EXISTS owner_ids bigint[] NOT NULL DEFAULT '{}'"
    )
    schema_editor.execute(
        f"UPDATE inventory_patentsearchdocument AS d SET owner_ids = s.owners FROM ("
        "SELECT patent_id, array_agg(organization_id ORDER BY organization_id) AS owners "
        "FROM inventory_patentownership GROUP BY patent_id) AS s WHERE s.patent_id = d.patent_id"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON inventory_patentsearchdocument USING gin (owner_ids, search_vector)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_SEARCH_INDEX}")
    schema_editor.execute(TRIGGERS)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS ownership_added_owners ON inventory_patentownership")
    schema_editor.execute("DROP TRIGGER IF EXISTS ownership_removed_owners ON inventory_patentownership")
    schema_editor.execute("DROP FUNCTION IF EXISTS inventory_refresh_document_owners()")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_SEARCH_INDEX} ON inventory_patentsearchdocument USING gin (search_vector)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    schema_editor.execute("ALTER TABLE inventory_patentsearchdocument DROP COLUMN IF EXISTS owner_ids")
    schema_editor.execute(f"DROP INDEX IF EXISTS {IPC_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_workbench_sort_keys")]

    operations = [
        migrations.AddField(
            model_name="patentownership",
            name="main_ipc",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.RunPython(forwards, backwards),
    ]
