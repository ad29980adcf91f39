"""The strategic emerging industries, the provisional IPC concordance and the 35 WIPO fields."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_inventory_ii")]

    operations = []
