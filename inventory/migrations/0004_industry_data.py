"""The strategic emerging industries, the provisional IPC concordance and the 35 WIPO fields.

Loaded from the data files in inventory/data/ (their one source of truth); the provisional
concordance is marked provisional until inventory.classification.concordance replaces it with the official rows.
"""

from django.db import migrations


def load(apps, schema_editor):
    from inventory import data

    Industry = apps.get_model("inventory", "Industry")
    IndustryRule = apps.get_model("inventory", "IndustryRule")
    TechnologyField = apps.get_model("inventory", "TechnologyField")
    names = data.industries()
    # Sectors first: each sub-sector points at its sector.
    Industry.objects.bulk_create(
        [Industry(code=code, name=name) for code, name in names.items() if data.parent_code(code) is None]
    )
    Industry.objects.bulk_create(
        [Industry(code=code, name=name, parent_id=data.parent_code(code))
         for code, name in names.items() if data.parent_code(code) is not None]
    )
    IndustryRule.objects.bulk_create([
        IndustryRule(industry_id=row["industry"], ipc_patterns=row["ipc_patterns"], exclusions=row["exclusions"],
                     keywords=row["keywords"], provisional=True, source=data.PROVISIONAL_SOURCE)
        for row in data.provisional_concordance()
    ])
    TechnologyField.objects.bulk_create([TechnologyField(**field) for field in data.technology_fields()])


def unload(apps, schema_editor):
    for model in ("IndustryRule", "PatentIndustry", "PatentTechField", "TechnologyField"):
        apps.get_model("inventory", model).objects.all().delete()
    Industry = apps.get_model("inventory", "Industry")
    Industry.objects.filter(parent__isnull=False).delete()
    Industry.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_inventory_ii")]

    operations = [migrations.RunPython(load, unload)]
