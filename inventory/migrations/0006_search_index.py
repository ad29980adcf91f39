"""The PostgreSQL GIN index of the Chinese full-text search (nothing on SQLite)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_milestone_data")]

    operations = []
