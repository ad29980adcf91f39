"""The national milestones of DATA-STANDARD.md §7."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_industry_data")]

    operations = []
