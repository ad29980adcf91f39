"""The national milestones of DATA-STANDARD.md §7, loaded from inventory/data/milestones.json."""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "milestones.json"
DATE_FIELDS = ("deadline", "granted_until", "granted_after")


def load_milestones(apps, schema_editor):
    Milestone = apps.get_model("inventory", "Milestone")
    if Milestone.objects.exists():
        return
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    for row in rows:
        for field in DATE_FIELDS:
            if row.get(field):
                row[field] = datetime.date.fromisoformat(row[field])
    Milestone.objects.bulk_create([Milestone(**row) for row in rows])


def remove_milestones(apps, schema_editor):
    apps.get_model("inventory", "Milestone").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_industry_data")]

    operations = [migrations.RunPython(load_milestones, remove_milestones)]
